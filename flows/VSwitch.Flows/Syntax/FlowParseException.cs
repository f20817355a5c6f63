namespace VSwitch.Flows.Syntax;

/// <summary>A flow or action text that does not parse: says what is wrong, the offending token and where it starts.</summary>
public sealed class FlowParseException : FormatException
{
    /// <summary>Creates the exception; the message is "<paramref name="problem"/> (at position N: 'token')".</summary>
    public FlowParseException(string problem, string token, int position)
        : base($"{problem} (at position {position}: '{token}')")
    {
        Problem = problem;
        Token = token;
        Position = position;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Zero-based character index in the parsed text where <see cref="Token"/> starts.</summary>
    public int Position { get; }

    /// <summary>The offending piece of text (a field name, a value, or an action).</summary>
    public string Token { get; }
}
