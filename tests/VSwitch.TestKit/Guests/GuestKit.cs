using System.Diagnostics;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// Finds the guest kit in the repository and builds it once per test run: <c>tests/guests/build.sh</c> installs QEMU
/// and busybox, downloads the Debian kernel package and makes the initramfs, caching everything under
/// <c>.cache/guests/&lt;kernel package&gt;_&lt;version&gt;/</c> in the repository root. The first caller in a process
/// runs the script; the others wait for its answer. The script itself serialises concurrent processes on a lock file.
/// Thread-safe.
/// </summary>
public static class GuestKit
{
    private static readonly Lazy<GuestImage> s_image = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The repository root: the nearest directory above the test binaries that holds <c>tests/guests/build.sh</c>.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The kit's build script.</summary>
    public static string BuildScript => Path.Combine(RepositoryRoot, "tests", "guests", "build.sh");

    /// <summary>Path of QEMU for x86-64 guests, or null.</summary>
    public static string? QemuPath => Prerequisite.FindOnPath(QemuCommandLine.Qemu);

    /// <summary>The built kit. The first access runs the build script (seconds when cached, about a minute when not).</summary>
    public static GuestImage Image => s_image.Value;

    /// <summary>
    /// Fails (CI) or skips (elsewhere) unless guests can boot here, and returns the built kit. Building the kit for the
    /// first time needs root (apt); a filled cache does not.
    /// </summary>
    public static GuestImage RequireAvailable()
    {
        GuestImage? image = null;
        try
        {
            image = Image;
        }
        catch (InvalidOperationException) when (!Prerequisite.IsRoot)
        {
            Prerequisite.Require(false, "the guest kit is not built and building it needs root (run tests/guests/build.sh as root)");
        }
        Prerequisite.Require(QemuPath is not null, "qemu-system-x86_64 not installed (tests/guests/build.sh installs it as root)");
        return image!;
    }

    private static GuestImage Build()
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(BuildScript);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill();
            process.WaitForExit();
            throw new InvalidOperationException("tests/guests/build.sh did not finish within 10 minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/guests/build.sh failed ({process.ExitCode}):\n{stderr.Result}\n{stdout}");
        }
        string directory = stdout.TrimEnd().Split('\n')[^1].Trim();
        return GuestImage.FromDirectory(directory);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "guests", "build.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no tests/guests/build.sh above {AppContext.BaseDirectory}");
    }
}
