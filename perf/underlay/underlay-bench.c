/*
 * Underlay prototype for the VXLAN port: how many VXLAN-sized datagrams per second the host kernel moves between
 * two network namespaces over a veth link, by each way a user-space switch can reach the wire:
 *
 *   udp      one UDP socket, sendmmsg/recvmmsg batches (the kernel does routing, ARP, IP and UDP)
 *   gso      UDP socket with UDP_SEGMENT (sender) and UDP_GRO (receiver): one system call per batch of equal-size
 *            datagrams, one stack traversal per batch instead of per datagram
 *   raw      IPPROTO_RAW socket with our own IPv4+UDP headers (free choice of the UDP source port), sendmmsg
 *   packet   AF_PACKET socket with whole Ethernet frames (the "own uplink" way: we would have to do ARP and routing
 *            ourselves), sendmmsg/recvmmsg, qdisc bypassed
 *
 * Usage (see perf/underlay/run.sh, which builds the namespaces and runs the matrix):
 *   underlay-bench tx MODE SRC_IP DST_IP SIZE SECONDS [IFNAME DST_MAC]
 *   underlay-bench rx MODE BIND_IP SECONDS [IFNAME]
 * SIZE is the UDP payload (VXLAN header + inner frame). Prints one line: mode, role, datagrams, seconds, pps, Gbit/s
 * of UDP payload. Linux only; needs root for raw and packet modes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define BATCH 32
#define PORT 4789
#define MAXBUF 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static uint16_t csum(const void *data, int len)
{
    const uint16_t *p = data;
    uint32_t s = 0;
    for (; len > 1; len -= 2) s += *p++;
    if (len) s += *(const uint8_t *)p;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* IPv4 + UDP header in front of SIZE payload bytes; UDP checksum 0 as RFC 7348 allows for IPv4. */
static int build_ip_udp(uint8_t *buf, struct in_addr src, struct in_addr dst, uint16_t sport, int size)
{
    struct iphdr *ip = (struct iphdr *)buf;
    struct udphdr *udp = (struct udphdr *)(buf + sizeof *ip);
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    ip->ihl = 5;
    ip->tot_len = htons(sizeof *ip + sizeof *udp + size);
    ip->frag_off = htons(IP_DF);
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->saddr = src.s_addr;
    ip->daddr = dst.s_addr;
    ip->check = csum(ip, sizeof *ip);
    udp->source = htons(sport);
    udp->dest = htons(PORT);
    udp->len = htons(sizeof *udp + size);
    udp->check = 0;
    return sizeof *ip + sizeof *udp;
}

static void report(const char *mode, const char *role, long n, double secs, int size)
{
    double pps = n / secs;
    printf("%s %s datagrams=%ld seconds=%.2f pps=%.0f gbit=%.3f\n", mode, role, n, secs, pps, pps * size * 8 / 1e9);
    fflush(stdout);
}

static int tx(const char *mode, const char *srcs, const char *dsts, int size, double seconds, const char *ifname,
    const char *dstmac)
{
    struct in_addr src, dst;
    inet_pton(AF_INET, srcs, &src);
    inet_pton(AF_INET, dsts, &dst);
    static uint8_t payload[MAXBUF];
    memset(payload, 0xab, sizeof payload);
    payload[0] = 0x08; /* VXLAN flags: I */
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr = dst };
    struct mmsghdr msgs[BATCH];
    struct iovec iovs[BATCH][2];
    static uint8_t hdrs[BATCH][64];
    memset(msgs, 0, sizeof msgs);
    int fd;
    int hdrlen = 0;
    struct sockaddr_ll ll = { 0 };
    if (!strcmp(mode, "udp") || !strcmp(mode, "gso")) {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(40000), .sin_addr = src };
        if (fd < 0 || bind(fd, (void *)&me, sizeof me) < 0) die("udp socket");
        int pmtu = IP_PMTUDISC_DO;
        setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
    } else if (!strcmp(mode, "raw")) {
        fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        if (fd < 0) die("raw socket");
        hdrlen = 28;
    } else if (!strcmp(mode, "packet")) {
        fd = socket(AF_PACKET, SOCK_RAW, 0);
        if (fd < 0) die("packet socket");
        int one = 1;
        setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
        ll.sll_family = AF_PACKET;
        ll.sll_ifindex = if_nametoindex(ifname);
        ll.sll_halen = 6;
        sscanf(dstmac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &ll.sll_addr[0], &ll.sll_addr[1], &ll.sll_addr[2],
            &ll.sll_addr[3], &ll.sll_addr[4], &ll.sll_addr[5]);
        hdrlen = 14 + 28;
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    for (int i = 0; i < BATCH; i++) {
        uint16_t sport = 49152 + i * 397 % 16384; /* a different source port per datagram, as a flow hash would */
        if (!strcmp(mode, "raw")) {
            build_ip_udp(hdrs[i], src, dst, sport, size);
        } else if (!strcmp(mode, "packet")) {
            memcpy(hdrs[i], ll.sll_addr, 6);
            memset(hdrs[i] + 6, 0x02, 6);
            hdrs[i][12] = 0x08;
            hdrs[i][13] = 0x00;
            build_ip_udp(hdrs[i] + 14, src, dst, sport, size);
        }
        iovs[i][0].iov_base = hdrs[i];
        iovs[i][0].iov_len = hdrlen;
        iovs[i][1].iov_base = payload;
        iovs[i][1].iov_len = size;
        msgs[i].msg_hdr.msg_iov = hdrlen ? iovs[i] : &iovs[i][1];
        msgs[i].msg_hdr.msg_iovlen = hdrlen ? 2 : 1;
        if (!strcmp(mode, "udp") || !strcmp(mode, "raw")) {
            msgs[i].msg_hdr.msg_name = &to;
            msgs[i].msg_hdr.msg_namelen = sizeof to;
        } else if (!strcmp(mode, "packet")) {
            msgs[i].msg_hdr.msg_name = &ll;
            msgs[i].msg_hdr.msg_namelen = sizeof ll;
        }
    }
    /* gso: one message whose payload is BATCH datagrams back to back, cut by the kernel every SIZE bytes. */
    struct iovec gsoiov[BATCH];
    char cbuf[CMSG_SPACE(sizeof(uint16_t))];
    struct msghdr gso = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = gsoiov, .msg_iovlen = BATCH };
    int segs = BATCH;
    if (!strcmp(mode, "gso")) {
        if ((long)size * segs > 65000) segs = 65000 / size;
        gso.msg_iovlen = segs;
        for (int i = 0; i < segs; i++) {
            gsoiov[i].iov_base = payload;
            gsoiov[i].iov_len = size;
        }
        gso.msg_control = cbuf;
        gso.msg_controllen = sizeof cbuf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&gso);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        *(uint16_t *)CMSG_DATA(cm) = (uint16_t)size;
    }
    long sent = 0, failed = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        for (int k = 0; k < 64; k++) {
            if (!strcmp(mode, "gso")) {
                ssize_t r = sendmsg(fd, &gso, 0);
                if (r < 0) failed++;
                else sent += segs;
            } else {
                int r = sendmmsg(fd, msgs, BATCH, 0);
                if (r < 0) failed++;
                else sent += r;
            }
        }
    }
    report(mode, "tx", sent, now() - start, size);
    if (failed) fprintf(stderr, "%s tx: %ld failed calls, last errno %d\n", mode, failed, errno);
    return 0;
}

static int rx(const char *mode, const char *binds, double seconds, const char *ifname)
{
    struct in_addr bindaddr;
    inet_pton(AF_INET, binds, &bindaddr);
    int fd;
    int gro = !strcmp(mode, "gso");
    if (!strcmp(mode, "packet")) {
        fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
        struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = if_nametoindex(ifname) };
        if (fd < 0 || bind(fd, (void *)&ll, sizeof ll) < 0) die("packet rx");
    } else {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr = bindaddr };
        if (fd < 0 || bind(fd, (void *)&me, sizeof me) < 0) die("udp rx");
        if (gro) {
            int one = 1;
            if (setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) < 0) die("UDP_GRO");
        }
    }
    int rcvbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static uint8_t bufs[BATCH][MAXBUF];
    struct mmsghdr msgs[BATCH];
    struct iovec iovs[BATCH];
    char cbufs[BATCH][64];
    long got = 0, bytes = 0;
    double first = 0, last = 0, deadline = now() + seconds + 10;
    while (now() < deadline) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < BATCH; i++) {
            iovs[i].iov_base = bufs[i];
            iovs[i].iov_len = gro ? MAXBUF : 2048;
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = cbufs[i];
            msgs[i].msg_hdr.msg_controllen = sizeof cbufs[i];
        }
        int r = recvmmsg(fd, msgs, BATCH, 0, NULL);
        if (r <= 0) {
            if (first != 0) break; /* idle after traffic: the sender is done */
            continue;
        }
        double t = now();
        if (first == 0) first = t;
        last = t;
        for (int i = 0; i < r; i++) {
            int len = msgs[i].msg_len;
            int segs = 1;
            if (gro) {
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm; cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
                    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
                        int gs = *(uint16_t *)CMSG_DATA(cm);
                        segs = (len + gs - 1) / gs;
                    }
                }
            }
            got += segs;
            bytes += len;
        }
    }
    int size = got ? (int)(bytes / got) : 0;
    if (!strcmp(mode, "packet")) size -= 28;
    report(mode, "rx", got, last > first ? last - first : 1, size);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && !strcmp(argv[1], "tx"))
        return tx(argv[2], argv[3], argv[4], atoi(argv[5]), atof(argv[6]), argc > 7 ? argv[7] : NULL, argc > 8 ? argv[8] : NULL);
    if (argc >= 5 && !strcmp(argv[1], "rx"))
        return rx(argv[2], argv[3], atof(argv[4]), argc > 5 ? argv[5] : NULL);
    fprintf(stderr, "usage: %s tx MODE SRC DST SIZE SECONDS [IF DSTMAC] | rx MODE BIND SECONDS [IF]\n", argv[0]);
    return 2;
}
