using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// A minimal QMP client (QEMU Machine Protocol: one JSON object per line over a unix socket) for the commands the
/// live-migration tests use. Connecting reads the greeting and sends <c>qmp_capabilities</c>; <see cref="Execute"/>
/// sends one command and returns its <c>return</c> value, skipping the asynchronous events QEMU interleaves (kept in
/// <see cref="Events"/>). Every read is bounded by a timeout. One caller at a time.
/// </summary>
public sealed class Qmp : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly NetworkStream _stream;
    private readonly List<JsonObject> _events = [];

    private Qmp(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>The events read so far (<c>MIGRATION</c>, <c>STOP</c>, <c>RESUME</c>, ...), in order.</summary>
    public IReadOnlyList<JsonObject> Events => _events;

    /// <summary>
    /// Connects to the QMP socket at <paramref name="path"/>, waiting up to <paramref name="timeout"/> for QEMU to
    /// create it, and leaves capabilities negotiation mode.
    /// </summary>
    public static Qmp Connect(string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            {
                ReceiveTimeout = 60_000,
                SendTimeout = 60_000,
            };
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                var qmp = new Qmp(socket);
                JsonObject greeting = qmp.ReadMessage();
                if (!greeting.ContainsKey("QMP"))
                {
                    qmp.Dispose();
                    throw new InvalidOperationException("not a QMP greeting: " + greeting.ToJsonString());
                }
                qmp.Execute("qmp_capabilities");
                return qmp;
            }
            catch (SocketException) when (clock.Elapsed < timeout)
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Runs <paramref name="command"/> and returns its result; a QMP error becomes an exception naming it.</summary>
    public JsonNode? Execute(string command, JsonObject? arguments = null)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }
        byte[] line = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
        _stream.Write(line);
        while (true)
        {
            JsonObject reply = ReadMessage();
            if (reply.ContainsKey("event"))
            {
                _events.Add(reply);
                continue;
            }
            if (reply["error"] is JsonObject error)
            {
                throw new InvalidOperationException($"QMP {command} failed: {error["class"]}: {error["desc"]}");
            }
            return reply["return"];
        }
    }

    /// <summary><c>query-migrate</c>: the migration's status and figures.</summary>
    public JsonObject QueryMigrate() => Execute("query-migrate")!.AsObject();

    /// <summary>The migration status string (<c>none</c>, <c>setup</c>, <c>active</c>, <c>completed</c>, <c>failed</c>, ...).</summary>
    public string MigrationStatus() => QueryMigrate()["status"]?.GetValue<string>() ?? "none";

    /// <summary>
    /// Polls <c>query-migrate</c> until <paramref name="done"/> holds for the answer; throws with the last answer when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    public JsonObject WaitForMigration(Func<JsonObject, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            JsonObject info = QueryMigrate();
            if (done(info))
            {
                return info;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"migration: no {what} within {timeout.TotalSeconds} s; last query-migrate: {info.ToJsonString()}");
            }
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _socket.Dispose();
    }

    private JsonObject ReadMessage()
    {
        string line;
        try
        {
            line = _reader.ReadLine() ?? throw new IOException("QEMU closed its QMP socket");
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            throw new TimeoutException("QEMU did not answer on its QMP socket within 60 s", e);
        }
        return JsonNode.Parse(line)?.AsObject() ?? throw new InvalidDataException("empty QMP message");
    }
}
