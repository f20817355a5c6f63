using VSwitch.Service.Tests;
using Xunit;

// One install serves every test; the tests share the machine's two CPUs with vswitchd, QEMU and libvirt, so they
// run one at a time.
[assembly: AssemblyFixture(typeof(InstallFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
