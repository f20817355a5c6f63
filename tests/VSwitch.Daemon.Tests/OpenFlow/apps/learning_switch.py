"""A MAC-learning switch on OpenFlow 1.3, for the controller tests of VSwitch.

On connect it deletes every flow and installs a table-miss flow to the controller. Each PACKET_IN teaches it the
source MAC's port; a packet for a known MAC gets a flow (in_port, eth_src, eth_dst -> output) and is sent on with a
PACKET_OUT, an unknown destination is flooded. Every event is printed on one line (the test reads them).
"""
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


def say(*words):
    print("EVENT", *words, flush=True)
    sys.stdout.flush()


class LearningSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ports = {}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.ports[dp.id] = {}
        dp.send_msg(parser.OFPFlowMod(dp, command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL,
                                      out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY, match=parser.OFPMatch()))
        self.add_flow(dp, 0, parser.OFPMatch(), [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])
        dp.send_msg(parser.OFPBarrierRequest(dp))
        say("connected", "%016x" % dp.id)

    def add_flow(self, dp, priority, match, actions):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(dp, priority=priority, match=match, instructions=inst))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        say("packet_in", "reason=%d" % msg.reason, "table=%d" % msg.table_id, "in_port=%d" % in_port,
            "total_len=%d" % msg.total_len, "data=%d" % len(msg.data), eth.src, eth.dst)
        known = self.ports.setdefault(dp.id, {})
        known[eth.src] = in_port
        out = known.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            self.add_flow(dp, 1, parser.OFPMatch(in_port=in_port, eth_src=eth.src, eth_dst=eth.dst), actions)
            say("flow", eth.src, eth.dst, "output=%d" % out)
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port, actions=actions,
                                        data=msg.data))

    @set_ev_cls(ofp_event.EventOFPStateChange, MAIN_DISPATCHER)
    def on_main(self, ev):
        # os-ken handles PORT_STATUS in MAIN only, which it enters after the PORT_DESC reply that follows FEATURES.
        say("ready", "%016x" % ev.datapath.id)

    @set_ev_cls(ofp_event.EventOFPPortStatus, MAIN_DISPATCHER)
    def on_port_status(self, ev):
        say("port_status", "reason=%d" % ev.msg.reason, "port=%d" % ev.msg.desc.port_no, "state=%d" % ev.msg.desc.state,
            ev.msg.desc.name.decode())
