using System.Globalization;

namespace VSwitch.Daemon;

/// <summary>The pid file: written atomically once vswitchd is ready, removed when it stops. Control thread only.</summary>
internal static class PidFile
{
    public static void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? ".");
        string temp = path + ".tmp";
        File.WriteAllText(temp, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes the file if it still names this process.</summary>
    public static void Remove(string path)
    {
        if (TryRead(path) == Environment.ProcessId)
        {
            File.Delete(path);
        }
    }

    public static int? TryRead(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
