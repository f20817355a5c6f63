using System.CommandLine;
using System.Text.Json;
using VSwitch.Rpc;

namespace VSwitch.Cli;

/// <summary>
/// Runs one command: connects to vswitchd, makes one call, prints the result (a table, or JSON with --json) and
/// turns every failure into one line on stderr and an exit code from <see cref="ExitCodes"/>.
/// </summary>
internal static class CliRunner
{
    /// <summary>
    /// Calls <paramref name="method"/>; <paramref name="parameters"/> builds the parameter object (it may throw
    /// <see cref="CliUsageException"/>). With --json the result is printed as it came, or as <paramref name="json"/> turns it.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, string method, Func<JsonElement?> parameters,
        Action<JsonElement, TextWriter>? human, CancellationToken cancellationToken, Func<JsonElement, JsonElement>? json = null)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        string socket = RpcEndpoint.SocketPath(RpcEndpoint.ResolveRunDirectory(parse.GetValue(globals.RunDir)));
        int seconds = Math.Max(1, parse.GetValue(globals.Timeout));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            JsonElement? p = parameters();
            using RpcClient client = await RpcClient.ConnectAsync(socket, timeout.Token);
            JsonElement result = await client.CallAsync(method, p, timeout.Token);
            if (parse.GetValue(globals.Json))
            {
                WriteJson(output, json is null ? result : json(result));
            }
            else
            {
                human?.Invoke(result, output);
            }
            return ExitCodes.Ok;
        }
        catch (CliUsageException e)
        {
            return Fail(error, e.Message, ExitCodes.Usage);
        }
        catch (RpcConnectException e)
        {
            return Fail(error, SocketAccess.Explain(e), ExitCodes.Unreachable);
        }
        catch (RpcException e)
        {
            return Fail(error, e.Message, ExitCodes.Refused);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(error, $"vswitchd at {socket} did not answer within {seconds} s", ExitCodes.Unreachable);
        }
        catch (IOException e)
        {
            return Fail(error, $"lost the connection to vswitchd at {socket}: {e.Message}", ExitCodes.Unreachable);
        }
    }

    /// <summary>Serialises typed parameters for <see cref="RunAsync"/>.</summary>
    public static JsonElement Params<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.SerializeToElement(value, info);

    private static int Fail(TextWriter error, string message, int code)
    {
        error.WriteLine("vswitchctl: " + message.ReplaceLineEndings(" "));
        return code;
    }

    private static void WriteJson(TextWriter output, JsonElement result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            result.WriteTo(writer);
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
