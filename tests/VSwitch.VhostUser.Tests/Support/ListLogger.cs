using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace VSwitch.VhostUser.Tests.Support;

/// <summary>Records every log line (level and text) so tests can check what the port reported. Thread-safe.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Lines => [.. _lines];

    public bool Contains(string text) => _lines.Any(l => l.Text.Contains(text, StringComparison.Ordinal));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _lines.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
        if (Environment.GetEnvironmentVariable("VSWITCH_TEST_LOG") == "1")
        {
            Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}");
        }
    }
}
