using VSwitch.Flows.Cache;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Flows.Translation;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Flows.Tests.Translation;

/// <summary>tun_id, tun_src and tun_dst through the translator and the flow cache: they classify, and cost nothing unmatched.</summary>
public sealed class TunnelMetadataTests
{
    private static readonly ManualClock s_clock = new();

    [Fact]
    public void Tun_id_classifies_and_its_megaflow_holds_only_for_the_same_tunnel_key()
    {
        FlowPipeline pipeline = Pipeline(
            "priority=20,in_port=1,tun_id=5,actions=output:2",
            "priority=10,in_port=1,actions=output:3");
        var cache = new FlowCache(1024, 256);
        var translator = new FlowTranslator();
        cache.BeginBatch(pipeline);
        Assert.Equal((ushort)2, Output(cache, translator, pipeline, Key(tunId: 5)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 6)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 0)));
        // The translation of a packet with tun_id 6 had to look at tun_id, so its megaflow names it exactly.
        Assert.True(translator.Translate(pipeline, Key(tunId: 6)));
        Assert.Equal(ulong.MaxValue, translator.Mask.TunId);
        // Cached: the same answers again, now from the cache.
        Assert.Equal((ushort)2, Output(cache, translator, pipeline, Key(tunId: 5, srcPort: 99)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 7, srcPort: 99)));
    }

    [Fact]
    public void Masked_tun_id_and_tun_dst_prefixes_match_as_masks_do()
    {
        FlowPipeline pipeline = Pipeline(
            "priority=20,tun_id=0x100/0xf00,tun_dst=10.1.0.0/16,actions=output:2",
            "priority=15,tun_src=192.168.0.1,actions=output:4",
            "priority=10,actions=output:3");
        var cache = new FlowCache(1024, 256);
        var translator = new FlowTranslator();
        cache.BeginBatch(pipeline);
        Assert.Equal((ushort)2, Output(cache, translator, pipeline, Key(tunId: 0x1ab, tunDst: 0x0a01_0203)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 0x2ab, tunDst: 0x0a01_0203)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 0x1ab, tunDst: 0x0a02_0203)));
        Assert.Equal((ushort)4, Output(cache, translator, pipeline, Key(tunId: 0x2ab, tunSrc: 0xc0a8_0001)));
        Assert.Equal((ushort)3, Output(cache, translator, pipeline, Key(tunId: 0x2ab, tunSrc: 0xc0a8_0002)));
    }

    [Fact]
    public void A_pipeline_that_never_matches_tunnel_fields_leaves_them_out_of_every_megaflow()
    {
        FlowPipeline pipeline = Pipeline("priority=10,in_port=1,udp,tp_src=7,actions=output:2", "priority=1,actions=normal");
        var translator = new FlowTranslator();
        Assert.True(translator.Translate(pipeline, Key(tunId: 5)));
        Assert.Equal(0UL, translator.Mask.TunId);
        Assert.Equal(0u, translator.Mask.TunSrc | translator.Mask.TunDst);
        // So tunnel and non-tunnel packets of the same shape share one megaflow.
        var cache = new FlowCache(1024, 256);
        cache.BeginBatch(pipeline);
        Assert.Equal((ushort)2, Output(cache, translator, pipeline, Key(tunId: 0, srcPort: 7)));
        FlowKey tunnelled = Key(tunId: 9, tunSrc: 1, tunDst: 2, srcPort: 7);
        Assert.True(cache.TryLookupMegaflow(in tunnelled, tunnelled.ComputeHash(), out _));
    }

    [Fact]
    public void Set_field_on_tunnel_fields_becomes_a_datapath_op_before_the_output()
    {
        FlowPipeline pipeline = Pipeline("priority=10,actions=set_field:5->tun_id,set_field:10.0.0.2->tun_dst,output:2");
        var translator = new FlowTranslator();
        Assert.True(translator.Translate(pipeline, Key(tunId: 0)));
        DpOp[] ops = translator.Ops.ToArray();
        Assert.Equal(["set_field:5->tun_id", "set_field:a000002->tun_dst", "output:2"], ops.Select(o => o.ToString()));
    }

    private static FlowPipeline Pipeline(params string[] flows)
    {
        var tables = new FlowTables(s_clock);
        foreach (string f in flows)
        {
            tables.Add(FlowParser.ParseFlow(f, s_clock));
        }
        return tables.Build();
    }

    private static FlowKey Key(ulong tunId, uint tunSrc = 0, uint tunDst = 0, ushort srcPort = 7)
    {
        FlowKeyExtractor.TryExtract(PacketFactory.Ipv4Udp(srcPort: srcPort), 1, out FlowKey key);
        key.TunId = tunId;
        key.TunSrc = tunSrc;
        key.TunDst = tunDst;
        return key;
    }

    /// <summary>The port the flow cache (translating and installing on a miss) sends <paramref name="key"/> to.</summary>
    private static ushort Output(FlowCache cache, FlowTranslator translator, FlowPipeline pipeline, FlowKey key)
    {
        uint h = key.ComputeHash();
        if (!cache.TryLookupExact(in key, h, out int flow) && !cache.TryLookupMegaflow(in key, h, out flow))
        {
            Assert.True(translator.Translate(pipeline, key));
            flow = cache.Install(in key, h, translator);
        }
        DpOp op = Assert.Single(cache.Ops(flow).ToArray(), o => o.Kind == DpOpKind.Output);
        return op.Port;
    }
}
