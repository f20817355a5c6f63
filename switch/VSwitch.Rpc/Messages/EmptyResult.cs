namespace VSwitch.Rpc.Messages;

/// <summary>The result of a method that returns nothing but success, and the parameters of one that takes none.</summary>
public sealed record EmptyResult
{
    /// <summary>The shared instance.</summary>
    public static EmptyResult Instance { get; } = new();
}
