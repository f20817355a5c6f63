using System.Text.Json;
using VSwitch.Control.Interop;
using VSwitch.Control.Model;

namespace VSwitch.Control.Store;

/// <summary>
/// The config DB: one JSON file holding a <see cref="SwitchConfig"/>. <see cref="Save"/> replaces it atomically
/// (write a temporary file in the same directory, fsync it, rename it over the DB, fsync the directory), so a
/// crash or <c>kill -9</c> at any moment leaves either the old or the new file, both complete.
/// <para>
/// Policy for a DB that exists but does not load: <see cref="Load"/> throws <see cref="CorruptConfigException"/>
/// and vswitchd refuses to start. The file is never overwritten or moved, because writes are atomic and such a
/// file can only come from outside (a hand edit, a disk fault): a person should look before the switch
/// forgets its ports. A missing DB is not an error: the switch starts with <see cref="SwitchConfig.Default"/>.
/// </para>
/// Ownership: holds an exclusive lock file (<c>DB.lock</c>) while open, so two daemons never share one DB.
/// Thread rules: one caller at a time (the control plane serialises changes).
/// </summary>
public sealed class ConfigStore : IDisposable
{
    private readonly FileStream _lock;

    private ConfigStore(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    /// <summary>The DB file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the DB at <paramref name="path"/>: creates its directory if needed, takes the lock and removes a
    /// temporary file left by an interrupted save. Does not read the DB (see <see cref="Load"/>).
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created, or another process holds the DB.</exception>
    public static ConfigStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(full) ?? "/";
        Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix.
            lockFile = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"the config DB {full} is in use by another process ({e.Message})", e);
        }
        File.Delete(TempPath(full));
        return new ConfigStore(full, lockFile);
    }

    /// <summary>Reads the DB, or returns <see cref="SwitchConfig.Default"/> when it does not exist.</summary>
    /// <exception cref="CorruptConfigException">The file exists but is not a valid configuration.</exception>
    public SwitchConfig Load() => LoadFile(Path);

    /// <summary>Reads and validates a DB file without locking it (tests and tools).</summary>
    /// <exception cref="CorruptConfigException">The file exists but is not a valid configuration.</exception>
    public static SwitchConfig LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return SwitchConfig.Default;
        }
        if (bytes.Length == 0)
        {
            throw new CorruptConfigException(path, "the file is empty");
        }
        SwitchConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(bytes, ConfigJsonContext.Default.SwitchConfig);
        }
        catch (JsonException e)
        {
            throw new CorruptConfigException(path, e.Message, e);
        }
        if (config is null)
        {
            throw new CorruptConfigException(path, "the document is null");
        }
        string? problem = config.FindProblem();
        return problem is null ? config : throw new CorruptConfigException(path, problem);
    }

    /// <summary>Replaces the DB with <paramref name="config"/> atomically and durably; returns after the directory is synced.</summary>
    /// <exception cref="IOException">The OS refused a step; the DB then still holds its previous content.</exception>
    public void Save(SwitchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        byte[] json = Serialize(config);
        string temp = TempPath(Path);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
        Posix.FsyncDirectory(System.IO.Path.GetDirectoryName(Path) ?? "/");
    }

    /// <summary>The DB text for <paramref name="config"/> (indented JSON, UTF-8).</summary>
    public static byte[] Serialize(SwitchConfig config) =>
        JsonSerializer.SerializeToUtf8Bytes(config, ConfigJsonContext.Default.SwitchConfig);

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();

    private static string TempPath(string path) => path + ".tmp";
}
