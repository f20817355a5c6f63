using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Rpc;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Rpc;

/// <summary>The control socket against hostile and concurrent clients, over a real unix socket.</summary>
public sealed class RpcServerTests : IAsyncLifetime
{
    private readonly ControlFixture _fixture = new();
    private RpcServer? _server;

    private string SocketPath => Path.Combine(_fixture.RunDir, RpcEndpoint.SocketFileName);

    public ValueTask InitializeAsync()
    {
        _server = new RpcServer(SocketPath, SocketPermissions.Default, _fixture.Dispatcher, NullLogger.Instance,
            new RpcServerLimits(4096, 8, TimeSpan.FromSeconds(2)));
        _server.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _fixture.Dispose();
    }

    [Fact]
    public async Task Socket_is_created_with_mode_0660_and_removed_on_dispose()
    {
        Assert.Equal(SocketPermissions.Default.Mode, File.GetUnixFileMode(SocketPath) & (UnixFileMode)0x1ff);
        await _server!.DisposeAsync();
        _server = null;
        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public async Task A_well_formed_call_is_answered()
    {
        using RpcClient client = await RpcClient.ConnectAsync(SocketPath, TestContext.Current.CancellationToken);
        var show = RpcClient.ReadResult(await client.CallAsync(RpcMethods.Show, null, TestContext.Current.CancellationToken),
            RpcJsonContext.Default.ShowResult);
        Assert.Equal("br0", show.Bridge);
    }

    [Fact]
    public async Task Garbage_json_in_a_frame_gets_a_parse_error_and_the_connection_keeps_working()
    {
        using var raw = new RawClient(SocketPath);
        raw.SendFrame("{ this is not json");
        RpcResponse? r = raw.ReadResponse();
        Assert.Equal(RpcErrorCodes.ParseError, r!.Error!.Code);
        raw.SendFrame("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"list-ports\"}");
        r = raw.ReadResponse();
        Assert.Equal(7, r!.Id);
        Assert.Null(r.Error);
        await AssertServerStillServesAsync();
    }

    [Theory]
    [InlineData("[1,2]", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"show\"}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"show\"}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"show\"}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"show\",\"bogus\":1}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"reboot\"}", RpcErrorCodes.MethodNotFound)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"del-port\"}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"del-port\",\"params\":{\"name\":null}}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"del-port\",\"params\":{\"nom\":\"x\"}}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"show\",\"params\":{\"x\":1}}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add-port\",\"params\":{\"name\":\"a\",\"type\":\"vhostuser\",\"settings\":{\"of_port\":\"1\",\"tag\":null,\"trunks\":null,\"mtu\":null,\"options\":null}}}", RpcErrorCodes.InvalidParams)]
    public void Invalid_requests_get_the_json_rpc_error_code(string request, int code)
    {
        using var raw = new RawClient(SocketPath);
        raw.SendFrame(request);
        RpcResponse? r = raw.ReadResponse();
        Assert.NotNull(r!.Error);
        Assert.Equal(code, r.Error.Code);
        Assert.DoesNotContain('\n', r.Error.Message);
        Assert.Null(r.Result);
    }

    [Fact]
    public async Task An_oversize_request_gets_an_error_and_costs_only_its_connection()
    {
        using var raw = new RawClient(SocketPath);
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, 1 << 30);
        raw.SendBytes(prefix);
        RpcResponse? r = raw.ReadResponse();
        Assert.Equal(RpcErrorCodes.InvalidRequest, r!.Error!.Code);
        Assert.Contains("exceeds", r.Error.Message, StringComparison.Ordinal);
        Assert.True(raw.IsClosedByServer());
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_request_costs_only_its_connection()
    {
        using (var raw = new RawClient(SocketPath))
        {
            byte[] prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 100);
            raw.SendBytes([.. prefix, .. "{\"jsonrpc\""u8.ToArray()]);
        }
        await AssertServerStillServesAsync();
        await WaitForAsync(() => _server!.ActiveConnections == 0);
    }

    [Fact]
    public async Task A_client_that_stalls_mid_request_is_closed_after_the_request_timeout()
    {
        using var raw = new RawClient(SocketPath);
        raw.SendBytes([0, 0]);
        Assert.True(raw.IsClosedByServer());
        await AssertServerStillServesAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_bytes_never_hurt_the_server(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 10; i++)
        {
            using var raw = new RawClient(SocketPath);
            byte[] junk = new byte[random.Next(1, 600)];
            random.NextBytes(junk);
            raw.SendBytes(junk);
        }
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task Concurrent_clients_adding_flows_lose_no_change()
    {
        const int Clients = 6, FlowsEach = 15;
        var tasks = new Task[Clients];
        for (int c = 0; c < Clients; c++)
        {
            int client = c;
            tasks[c] = Task.Run(async () =>
            {
                CancellationToken token = TestContext.Current.CancellationToken;
                using RpcClient rpc = await RpcClient.ConnectAsync(SocketPath, token);
                for (int i = 0; i < FlowsEach; i++)
                {
                    await rpc.CallAsync(RpcMethods.AddFlow,
                        new FlowParams($"priority={100 + client},tcp,tp_dst={1000 + i},actions=drop", false),
                        RpcJsonContext.Default.FlowParams, token);
                }
            }, TestContext.Current.CancellationToken);
        }
        await Task.WhenAll(tasks);
        Assert.Equal((Clients * FlowsEach) + 1, _fixture.Control.Flows.Count);
        Assert.Equal((Clients * FlowsEach) + 1, _fixture.StoredConfig().Flows.Length);
    }

    [Fact]
    public async Task A_second_server_on_a_live_socket_is_refused_and_a_stale_socket_file_is_replaced()
    {
        var second = new RpcServer(SocketPath, SocketPermissions.Default, _fixture.Dispatcher, NullLogger.Instance);
        var e = Assert.Throws<IOException>(second.Start);
        Assert.Contains("another vswitchd", e.Message, StringComparison.Ordinal);

        string stale = Path.Combine(_fixture.RunDir, "stale.ctl");
        using (var dead = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Unspecified))
        {
            // A socket file nobody listens on, as a killed daemon leaves it (.NET would unlink it on dispose, so move it away first).
            dead.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale + ".tmp"));
            File.Move(stale + ".tmp", stale);
        }
        Assert.True(File.Exists(stale));
        var third = new RpcServer(stale, SocketPermissions.Default with { Mode = (UnixFileMode)0x180 }, _fixture.Dispatcher,
            NullLogger.Instance);
        third.Start();
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(stale) & (UnixFileMode)0x1ff);
        await third.DisposeAsync();
    }

    private async Task AssertServerStillServesAsync()
    {
        using RpcClient client = await RpcClient.ConnectAsync(SocketPath, TestContext.Current.CancellationToken);
        var ports = RpcClient.ReadResult(await client.CallAsync(RpcMethods.ListPorts, null, TestContext.Current.CancellationToken),
            RpcJsonContext.Default.ListPortsResult);
        Assert.NotNull(ports.Ports);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.True(condition());
    }
}
