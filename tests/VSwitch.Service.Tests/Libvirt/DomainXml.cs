using System.Text.RegularExpressions;
using System.Xml.Linq;
using VSwitch.TestKit.Guests;

namespace VSwitch.Service.Tests.Libvirt;

/// <summary>
/// The test domains, made from the XML that docs/LIBVIRT.md documents: the domain and the TCG override block are
/// read from the page, and only what this machine needs is changed (the list is on the page too, under "How the test
/// uses this page"). Pure apart from reading the page.
/// </summary>
public static partial class DomainXml
{
    /// <summary>libvirt's namespace for QEMU-specific elements.</summary>
    public static readonly XNamespace Qemu = "http://libvirt.org/schemas/domain/qemu/1.0";

    /// <summary>docs/LIBVIRT.md.</summary>
    public static string Page => Path.Combine(GuestKit.RepositoryRoot, "docs", "LIBVIRT.md");

    /// <summary>The documented domain and override block.</summary>
    public static (XElement Domain, XElement Override) FromPage()
    {
        XElement? domain = null, over = null;
        foreach (Match m in XmlBlockRegex().Matches(File.ReadAllText(Page)))
        {
            string xml = m.Groups[1].Value;
            if (xml.StartsWith("<domain", StringComparison.Ordinal))
            {
                domain = XElement.Parse(xml);
            }
            else if (xml.StartsWith("<qemu:override>", StringComparison.Ordinal))
            {
                over = XElement.Parse($"<wrap xmlns:qemu='{Qemu}'>{xml}</wrap>").Elements().Single();
            }
        }
        return (domain ?? throw new InvalidDataException("docs/LIBVIRT.md has no <domain> block"),
            over ?? throw new InvalidDataException("docs/LIBVIRT.md has no <qemu:override> block"));
    }

    /// <summary>
    /// The documented domain for a test guest: <paramref name="name"/>; type qemu with the override for each NIC;
    /// 256 MiB, one vCPU; <paramref name="kernel"/> and <paramref name="initramfs"/> booted directly with
    /// <paramref name="cmdline"/> instead of the disk; the serial console on a unix socket with a log file; and
    /// <paramref name="nic"/> (as vswitchctl libvirt-xml printed it) instead of the documented NICs.
    /// </summary>
    public static XElement ForTest(string name, XElement nic, string kernel, string initramfs, string cmdline, string consoleSocket, string consoleLog)
    {
        (XElement domain, XElement over) = FromPage();
        domain.SetAttributeValue("type", "qemu");
        domain.Element("name")!.Value = name;
        domain.Element("memory")!.ReplaceWith(new XElement("memory", new XAttribute("unit", "MiB"), 256));
        domain.Element("vcpu")!.Value = "1";
        XElement os = domain.Element("os")!;
        os.Elements("boot").Remove();
        os.Add(new XElement("kernel", kernel), new XElement("initrd", initramfs), new XElement("cmdline", cmdline));
        XElement devices = domain.Element("devices")!;
        devices.Elements("disk").Remove();
        devices.Elements("interface").Remove();
        devices.Elements("serial").Remove();
        devices.Elements("console").Remove();
        devices.Nodes().OfType<XComment>().Remove();
        devices.Add(new XElement(nic));
        devices.Add(new XElement("serial", new XAttribute("type", "unix"),
            new XElement("source", new XAttribute("mode", "bind"), new XAttribute("path", consoleSocket)),
            new XElement("log", new XAttribute("file", consoleLog), new XAttribute("append", "on"))));
        string alias = nic.Element("alias")?.Attribute("name")?.Value ?? throw new InvalidDataException("the NIC has no alias: " + nic);
        var device = new XElement(over);
        device.Element(Qemu + "device")!.SetAttributeValue("alias", alias);
        domain.Add(device);
        return domain;
    }

    [GeneratedRegex("```xml\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex XmlBlockRegex();
}
