namespace VSwitch.OpenFlow.Messages;

/// <summary>The METER_FEATURES reply (<c>struct ofp_meter_features</c>); all zero when the switch has no meters.</summary>
/// <param name="MaxMeter">Largest number of meters.</param>
/// <param name="BandTypes">Bitmap of supported band types.</param>
/// <param name="Capabilities">Bitmap of OFPMF_* flags.</param>
/// <param name="MaxBands">Bands per meter.</param>
/// <param name="MaxColor">Colour values.</param>
public sealed record MeterFeatures(uint MaxMeter, uint BandTypes, uint Capabilities, byte MaxBands, byte MaxColor) : MultipartItem;
