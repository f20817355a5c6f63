namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.QueueOpFailed"/> (<c>enum ofp_queue_op_failed_code</c>).</summary>
public enum QueueOpFailedCode : ushort
{
    /// <summary>Invalid port.</summary>
    BadPort = 0,
    /// <summary>The queue does not exist.</summary>
    BadQueue = 1,
    /// <summary>Permissions error.</summary>
    Eperm = 2,
}
