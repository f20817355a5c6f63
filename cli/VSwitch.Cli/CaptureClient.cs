using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using VSwitch.Cli.Commands;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli;

/// <summary>
/// The client side of <c>vswitchctl capture</c>: asks vswitchd to start the capture, connects to the capture's socket
/// and copies the file's bytes to the file or standard output as they come (flushing each read, so a pipe into
/// <c>tshark -r -</c> sees frames live). SIGINT/SIGTERM ask vswitchd to stop; the copy then runs to the end of the
/// stream, so the file always ends with its closing blocks. The totals go to stderr.
/// </summary>
internal static class CaptureClient
{
    private static readonly TimeSpan s_finishTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, CaptureStartParams request, string target,
        CancellationToken cancellationToken)
    {
        TextWriter error = parse.InvocationConfiguration.Error;
        string socket = RpcEndpoint.SocketPath(RpcEndpoint.ResolveRunDirectory(parse.GetValue(globals.RunDir)));
        int rpcSeconds = Math.Max(1, parse.GetValue(globals.Timeout));
        bool json = parse.GetValue(globals.Json);
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Interrupt(c, interrupted));
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Interrupt(c, interrupted));
        // The capture is started first, so a refused request (bad filter, unknown port) leaves no file behind.
        CaptureStartResult started;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(rpcSeconds));
            using RpcClient client = await RpcClient.ConnectAsync(socket, timeout.Token);
            started = RpcClient.ReadResult(
                await client.CallAsync(RpcMethods.CaptureStart, CliRunner.Params(request, RpcJsonContext.Default.CaptureStartParams), timeout.Token),
                RpcJsonContext.Default.CaptureStartResult);
        }
        catch (RpcConnectException e)
        {
            return Fail(error, SocketAccess.Explain(e), ExitCodes.Unreachable);
        }
        catch (RpcException e)
        {
            return Fail(error, e.Message, ExitCodes.Refused);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return Fail(error, $"vswitchd at {socket} did not answer: {e.Message}", ExitCodes.Unreachable);
        }
        Stream output;
        try
        {
            output = target == "-" ? Console.OpenStandardOutput() : new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            await TryStopAsync(socket, started.Id);
            return Fail(error, $"cannot write {target}: {e.Message}", ExitCodes.Usage);
        }
        await using (output)
        {
            CaptureInfo? summary = null;
            try
            {
                using var stream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await stream.ConnectAsync(new UnixDomainSocketEndPoint(started.Socket), CancellationToken.None);
                error.WriteLine($"vswitchctl: capture {started.Id} on {string.Join(",", request.Ports)} ({request.Format}, {request.Direction}"
                    + $"{(request.Drops ? " + drops" : "")}){(request.Filter is null ? "" : " filter '" + request.Filter + "'")}; Ctrl-C to stop");
                summary = await CopyAsync(stream, output, started.Id, socket, interrupted.Token);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                error.WriteLine($"vswitchctl: capture {started.Id}: {e.Message}");
            }
            try
            {
                summary ??= await StopAsync(socket, started.Id, CancellationToken.None);
            }
            catch (Exception e) when (e is RpcException or RpcConnectException or IOException or OperationCanceledException)
            {
                return Fail(error, $"capture {started.Id}: could not read its totals: {e.Message}", ExitCodes.Unreachable);
            }
            if (json)
            {
                CaptureCommands.WriteJson(error, summary);
            }
            else
            {
                error.WriteLine($"vswitchctl: {CaptureCommands.Summary(summary)}{(summary.EndReason is null ? "" : " (" + summary.EndReason + ")")}");
            }
            return ExitCodes.Ok;
        }
    }

    // Copies until the end of the stream. An interrupt asks vswitchd to stop (its reply holds the totals) and the copy
    // goes on until vswitchd has written the closing blocks and closed the stream.
    private static async Task<CaptureInfo?> CopyAsync(Socket stream, Stream output, int id, string controlSocket, CancellationToken interrupt)
    {
        byte[] buffer = new byte[1 << 16];
        CaptureInfo? summary = null;
        Task<int>? pending = null;
        while (true)
        {
            pending ??= stream.ReceiveAsync(buffer, SocketFlags.None, CancellationToken.None).AsTask();
            if (summary is null && !interrupt.IsCancellationRequested)
            {
                await Task.WhenAny(pending, Task.Delay(Timeout.Infinite, interrupt)).ConfigureAwait(false);
            }
            if (!pending.IsCompleted && summary is null && interrupt.IsCancellationRequested)
            {
                summary = await StopAsync(controlSocket, id, CancellationToken.None);
            }
            if (!pending.IsCompleted)
            {
                if (await Task.WhenAny(pending, Task.Delay(s_finishTimeout)).ConfigureAwait(false) != pending)
                {
                    throw new IOException("the capture stream did not end after the capture was stopped");
                }
            }
            int n = await pending;
            pending = null;
            if (n == 0)
            {
                return summary;
            }
            await output.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
            await output.FlushAsync(CancellationToken.None);
        }
    }

    private static async Task<CaptureInfo> StopAsync(string controlSocket, int id, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_finishTimeout);
        using RpcClient client = await RpcClient.ConnectAsync(controlSocket, timeout.Token);
        return RpcClient.ReadResult(
            await client.CallAsync(RpcMethods.CaptureStop, CliRunner.Params(new CaptureIdParams(id), RpcJsonContext.Default.CaptureIdParams), timeout.Token),
            RpcJsonContext.Default.CaptureInfo);
    }

    private static async Task TryStopAsync(string controlSocket, int id)
    {
        try
        {
            await StopAsync(controlSocket, id, CancellationToken.None);
        }
        catch (Exception e) when (e is RpcException or RpcConnectException or IOException or OperationCanceledException)
        {
            // The daemon ends a capture nobody connects to by itself.
        }
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupted)
    {
        context.Cancel = true;
        interrupted.Cancel();
    }

    private static int Fail(TextWriter error, string message, int code)
    {
        error.WriteLine("vswitchctl: " + message.ReplaceLineEndings(" "));
        return code;
    }
}
