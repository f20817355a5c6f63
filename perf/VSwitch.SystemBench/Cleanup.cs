namespace VSwitch.SystemBench;

/// <summary>Removal of what a run leaves behind: temporary directories, DPDK runtime directories and hugepage files.</summary>
internal static class Cleanup
{
    public static void RemoveDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes <c>/var/run/dpdk/PREFIX</c> and <c>/dev/hugepages/PREFIX*</c> of one DPDK process that has exited.</summary>
    public static void RemoveDpdkFiles(string prefix)
    {
        RemoveDirectory(Path.Combine("/var/run/dpdk", prefix));
        try
        {
            foreach (string file in Directory.GetFiles("/dev/hugepages", prefix + "*"))
            {
                File.Delete(file);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
