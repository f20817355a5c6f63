using System.Diagnostics.CodeAnalysis;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow;

/// <summary>The answer to a query the switch may refuse: a value, or the OpenFlow error to send instead.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct OfpResult<T>
{
    private OfpResult(T? value, OfpError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value, when <see cref="Error"/> is null.</summary>
    public T? Value { get; }

    /// <summary>The refusal, or null on success.</summary>
    public OfpError? Error { get; }

    /// <summary>True when there is a value.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsOk => Error is null;

    /// <summary>A success.</summary>
    public static OfpResult<T> Ok(T value) => new(value, null);

    /// <summary>A refusal.</summary>
    public static OfpResult<T> Fail(OfpError error) => new(default, error);

    /// <summary>A success.</summary>
    public static implicit operator OfpResult<T>(T value) => Ok(value);
}
