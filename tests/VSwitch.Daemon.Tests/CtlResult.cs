using System.Text.Json;

namespace VSwitch.Daemon.Tests;

/// <summary>What one vswitchctl run printed and returned.</summary>
public sealed record CtlResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json()
    {
        using JsonDocument doc = JsonDocument.Parse(Stdout);
        return doc.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
}
