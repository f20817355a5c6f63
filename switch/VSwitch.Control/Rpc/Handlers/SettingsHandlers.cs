using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// set KEY=VALUE...: mac-aging-time, mac-table-size and pmd-mode, applied to the running switch and stored.
/// pmd-threads and pmd-cpus are vswitchd options (they decide the threads at start) and are only shown.
/// Called by the dispatcher, one request at a time.
/// </summary>
public sealed class SettingsHandlers
{
    /// <summary>Setting name of the MAC aging time in seconds.</summary>
    public const string MacAgingTime = "mac-aging-time";

    /// <summary>Setting name of the MAC table capacity.</summary>
    public const string MacTableSize = "mac-table-size";

    /// <summary>Setting name of the datapath idle mode.</summary>
    public const string PmdMode = "pmd-mode";

    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public SettingsHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>set: all settings are checked before any is applied.</summary>
    public SettingsInfo Set(SetParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Settings.Count == 0)
        {
            throw ControlException.Invalid("set needs at least one KEY=VALUE");
        }
        SwitchSettings old = _control.Config.Settings;
        SwitchSettings next = old;
        foreach ((string key, string value) in p.Settings)
        {
            next = key switch
            {
                MacAgingTime => next with { MacAgingTime = Number(key, value) },
                MacTableSize => next with { MacTableSize = Number(key, value) },
                PmdMode => next with { PmdMode = ParseMode(value) },
                "pmd-threads" or "pmd-cpus" => throw ControlException.Invalid($"{key} is set when vswitchd starts (vswitchd --{key})"),
                _ => throw ControlException.Invalid(
                    $"unknown setting '{key}' (known: {MacAgingTime}, {MacTableSize}, {PmdMode})"),
            };
        }
        string? problem = next.FindProblem();
        if (problem is not null)
        {
            throw ControlException.Invalid(problem);
        }
        Apply(next);
        try
        {
            _control.Commit(_control.Config with { Settings = next });
        }
        catch (ControlException)
        {
            Apply(old);
            throw;
        }
        _control.Logger.LogInformation("settings changed: mac-aging-time {Aging}, mac-table-size {Size}, pmd-mode {Mode}",
            next.MacAgingTime, next.MacTableSize, ModeName(next.PmdMode));
        return Describe(next);
    }

    /// <summary>The settings as show reports them.</summary>
    public static SettingsInfo Describe(SwitchSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SettingsInfo(s.MacAgingTime, s.MacTableSize, s.PmdThreads, s.PmdCpus, ModeName(s.PmdMode));
    }

    /// <summary>"adaptive" or "busy".</summary>
    public static string ModeName(Model.PmdMode mode) => mode == Model.PmdMode.Busy ? "busy" : "adaptive";

    /// <summary>Parses "adaptive" or "busy".</summary>
    /// <exception cref="ControlException">Neither.</exception>
    public static Model.PmdMode ParseMode(string text) => text switch
    {
        "adaptive" => Model.PmdMode.Adaptive,
        "busy" => Model.PmdMode.Busy,
        _ => throw ControlException.Invalid($"pmd-mode '{text}' is not adaptive or busy"),
    };

    private void Apply(SwitchSettings s)
    {
        _control.Runtime.SetMacAging(s.MacAgingTime);
        _control.Runtime.SetMacTableSize(s.MacTableSize);
        _control.Runtime.SetPmdMode(s.PmdMode);
    }

    private static int Number(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ControlException(RpcErrorCodes.InvalidParams, $"{key} '{value}' is not a whole number");
}
