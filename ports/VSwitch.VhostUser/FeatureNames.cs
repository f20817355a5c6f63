using VSwitch.VhostUser.Protocol;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser;

/// <summary>Feature bit sets as the names users read in <c>port-status</c>.</summary>
public static class FeatureNames
{
    /// <summary>Names of the virtio feature bits set (unnamed bits as <c>bitN</c>).</summary>
    public static IReadOnlyList<string> Of(VirtioNetFeatures features) => Names(typeof(VirtioNetFeatures), (ulong)features);

    /// <summary>Names of the protocol feature bits set.</summary>
    public static IReadOnlyList<string> Of(ProtocolFeatures features) => Names(typeof(ProtocolFeatures), (ulong)features);

    private static List<string> Names(Type enumType, ulong bits)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            ulong mask = 1UL << bit;
            if ((bits & mask) == 0)
            {
                continue;
            }
            object value = Enum.ToObject(enumType, mask);
            names.Add(Enum.IsDefined(enumType, value) ? value.ToString()! : "bit" + bit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return names;
    }
}
