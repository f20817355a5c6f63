namespace VSwitch.TestKit.Guests;

/// <summary>
/// The files of one built guest kit: a Debian kernel and the initramfs made by <c>tests/guests/build.sh</c>.
/// Immutable; the files are shared read-only by every guest of a test run.
/// </summary>
/// <param name="Directory">The cache directory, named after the kernel package and its version.</param>
/// <param name="Kernel">The uncompressed kernel (an ELF that QEMU boots through its PVH note).</param>
/// <param name="CompressedKernel">The package's bzImage, slower to boot under TCG; kept for comparison.</param>
/// <param name="Initramfs">The gzip-compressed initramfs with busybox, the virtio-net modules and the init.</param>
/// <param name="KernelRelease">The kernel release, e.g. <c>6.1.0-56-amd64</c>.</param>
public sealed record GuestImage(string Directory, string Kernel, string CompressedKernel, string Initramfs, string KernelRelease)
{
    /// <summary>Describes the files found in a kit cache directory; throws when a file is missing.</summary>
    public static GuestImage FromDirectory(string directory)
    {
        string Need(string name)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"guest kit file missing: {name}", path);
            }
            return path;
        }

        return new GuestImage(
            directory,
            Need("vmlinux"),
            Need("vmlinuz"),
            Need("initramfs.cpio.gz"),
            File.ReadAllText(Need("kernel.release")).Trim());
    }
}
