namespace VSwitch.OpenFlow.Messages;

/// <summary>The DESC reply (<c>struct ofp_desc</c>): five NUL-padded ASCII strings.</summary>
/// <param name="Manufacturer">Manufacturer (up to 255 characters).</param>
/// <param name="Hardware">Hardware description (up to 255).</param>
/// <param name="Software">Software description (up to 255).</param>
/// <param name="SerialNumber">Serial number (up to 31).</param>
/// <param name="Datapath">Human-readable datapath description (up to 255).</param>
public sealed record SwitchDescription(string Manufacturer, string Hardware, string Software, string SerialNumber, string Datapath) : MultipartItem;
