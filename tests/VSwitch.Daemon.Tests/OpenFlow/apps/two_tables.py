"""A two-table learning switch on OpenFlow 1.3 (the shape Faucet uses: sources in table 0, destinations in table 1).

Table 0: a known (in_port, eth_src) goes to table 1; anything else goes to the controller and on to table 1.
Table 1: a known eth_dst is output to its port; anything else is flooded. The controller only ever adds the two
learned flows per PACKET_IN, so every forwarding decision is a flow it installed. Events are printed one per line.
"""
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet
from os_ken.ofproto import ofproto_v1_3


def say(*words):
    print("EVENT", *words, flush=True)
    sys.stdout.flush()


class TwoTables(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        dp.send_msg(parser.OFPFlowMod(dp, command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL,
                                      out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY, match=parser.OFPMatch()))
        to_controller = parser.OFPActionOutput(ofp.OFPP_CONTROLLER, 128)
        self.flow(dp, 0, 0, parser.OFPMatch(), [
            parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [to_controller]),
            parser.OFPInstructionGotoTable(1)])
        self.flow(dp, 1, 0, parser.OFPMatch(), [
            parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [parser.OFPActionOutput(ofp.OFPP_FLOOD)])])
        dp.send_msg(parser.OFPBarrierRequest(dp))
        say("connected", "%016x" % dp.id)

    def flow(self, dp, table, priority, match, inst):
        dp.send_msg(dp.ofproto_parser.OFPFlowMod(dp, table_id=table, priority=priority, match=match, instructions=inst))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        # Only the Ethernet header is parsed: the data may be cut to the max_len of the output action.
        eth, _, _ = ethernet.ethernet.parser(msg.data)
        say("packet_in", "reason=%d" % msg.reason, "table=%d" % msg.table_id, "in_port=%d" % in_port,
            "total_len=%d" % msg.total_len, "data=%d" % len(msg.data), eth.src, eth.dst)
        self.flow(dp, 0, 10, parser.OFPMatch(in_port=in_port, eth_src=eth.src), [parser.OFPInstructionGotoTable(1)])
        self.flow(dp, 1, 10, parser.OFPMatch(eth_dst=eth.src), [
            parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [parser.OFPActionOutput(in_port)])])
        say("flow", eth.src, "output=%d" % in_port)
