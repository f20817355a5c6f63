using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace VSwitch.TestKit;

/// <summary>Writes and reads capture files with SharpPcap (libpcap), independently of the switch's own pcap code.</summary>
public static class CaptureFiles
{
    /// <summary>Writes <paramref name="frames"/> as an Ethernet pcap file, one millisecond apart.</summary>
    public static void Write(string path, IEnumerable<byte[]> frames)
    {
        using var writer = new CaptureFileWriterDevice(path, FileMode.Create);
        writer.Open(LinkLayers.Ethernet);
        var start = DateTime.UtcNow;
        int i = 0;
        foreach (byte[] frame in frames)
        {
            writer.Write(new RawCapture(LinkLayers.Ethernet, new PosixTimeval(start.AddMilliseconds(i++)), frame));
        }
    }

    /// <summary>Every frame of a pcap or pcapng file, in file order.</summary>
    public static List<byte[]> Read(string path)
    {
        using var reader = new CaptureFileReaderDevice(path);
        reader.Open();
        var frames = new List<byte[]>();
        while (reader.GetNextPacket(out PacketCapture capture) == GetPacketStatus.PacketRead)
        {
            frames.Add(capture.Data.ToArray());
        }
        return frames;
    }

    /// <summary><paramref name="count"/> distinct UDP frames from <paramref name="src"/> to <paramref name="dst"/>, numbered in their payload.</summary>
    public static List<byte[]> NumberedFrames(int count, string src = "02:00:00:00:00:01", string dst = "02:00:00:00:00:02", int payload = 40)
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            var data = new byte[payload];
            BitConverter.TryWriteBytes(data, i);
            var udp = new UdpPacket(5000, 6000) { PayloadData = data };
            var ip = new IPv4Packet(System.Net.IPAddress.Parse("10.77.0.1"), System.Net.IPAddress.Parse("10.77.0.2")) { PayloadPacket = udp };
            udp.UpdateCalculatedValues();
            ip.UpdateCalculatedValues();
            var eth = new EthernetPacket(System.Net.NetworkInformation.PhysicalAddress.Parse(src),
                System.Net.NetworkInformation.PhysicalAddress.Parse(dst), EthernetType.IPv4) { PayloadPacket = ip };
            frames.Add(eth.Bytes);
        }
        return frames;
    }
}
