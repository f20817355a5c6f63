namespace VSwitch.Service.Tests;

/// <summary>A system user for one test (useradd --system, no home, no login shell), deleted again at Dispose.</summary>
public sealed class SystemAccount : IDisposable
{
    private SystemAccount(string name) => Name = name;

    public string Name { get; }

    /// <summary>A new user with its own group, and <paramref name="group"/> as a supplementary group when given.</summary>
    public static SystemAccount Create(string? group)
    {
        string name = Command.UniqueName("vswu");
        var args = new List<string> { "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group" };
        if (group is not null)
        {
            args.AddRange(["--groups", group]);
        }
        args.Add(name);
        Command.Check("useradd", [.. args]);
        return new SystemAccount(name);
    }

    public void Dispose() => Command.Run("userdel", [Name]);
}
