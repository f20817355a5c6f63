using System.Text.Json;
using System.Text.Json.Nodes;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Daemon.Tests.Guests;

/// <summary>
/// The steps of a live migration test, shared by the tests that move a guest between two ports of one switch and
/// between the switches of two hosts: driving QEMU's migration over QMP, reading its status, and reading what a switch
/// says about a port (port-status details) and a MAC (fdb-show).
/// </summary>
internal static class MigrationSteps
{
    /// <summary>Caps the migration's bandwidth (so it lasts long enough to overlap traffic) and starts it to <paramref name="uri"/>.</summary>
    public static void Start(Qmp source, string uri, long maxBandwidth)
    {
        source.Execute("migrate-set-parameters", new JsonObject { ["max-bandwidth"] = maxBandwidth });
        source.Execute("migrate", new JsonObject { ["uri"] = uri });
    }

    /// <summary>Waits until the migration left setup (it copies memory, or already ended); returns that status.</summary>
    public static JsonObject WaitForProgress(Qmp source, TimeSpan timeout) =>
        source.WaitForMigration(m => Status(m) is not ("setup" or "none"), timeout, "progress");

    /// <summary>Waits until the migration ended and fails unless it completed; returns the final status.</summary>
    public static JsonObject WaitForCompletion(Qmp source, TimeSpan timeout)
    {
        JsonObject done = source.WaitForMigration(m => Status(m) is "completed" or "failed" or "cancelled", timeout, "end");
        Assert.True(Status(done) == "completed", "migration ended " + done.ToJsonString());
        return done;
    }

    public static string Status(JsonObject migration) => migration["status"]?.GetValue<string>() ?? "none";

    public static long Ram(JsonObject migration, string field) => migration["ram"]?[field]?.GetValue<long>() ?? -1;

    /// <summary>The value of detail <paramref name="key"/> in a port-status --json answer.</summary>
    public static string Detail(JsonElement status, string key)
    {
        foreach (JsonElement d in status.GetProperty("details").EnumerateArray())
        {
            if (d.GetProperty("key").GetString() == key)
            {
                return d.GetProperty("value").GetString() ?? "";
            }
        }
        throw new KeyNotFoundException($"no '{key}' in port-status: {status}");
    }

    /// <summary>The port <paramref name="d"/> learnt <paramref name="mac"/> on, or null.</summary>
    public static string? FdbPort(DaemonProcess d, string mac)
    {
        foreach (JsonElement e in d.Ctl("fdb-show", "--json").Json().GetProperty("entries").EnumerateArray())
        {
            if (string.Equals(e.GetProperty("mac").GetString(), mac, StringComparison.OrdinalIgnoreCase))
            {
                return e.GetProperty("port").GetString();
            }
        }
        return null;
    }

    /// <summary>Waits for each guest's final counters; fails when its kernel counted a checksum or IP header error.</summary>
    public static void AssertNoChecksumErrors(params QemuGuest[] guests)
    {
        foreach (QemuGuest g in guests)
        {
            GuestResult snmp = g.WaitForResult("snmp", TimeSpan.FromMinutes(2));
            Assert.Equal("0", snmp["tcp_in_csum_errors"]);
            Assert.Equal("0", snmp["udp_in_csum_errors"]);
            Assert.Equal("0", snmp["icmp_in_csum_errors"]);
            Assert.Equal("0", snmp["ip_in_hdr_errors"]);
        }
    }
}
