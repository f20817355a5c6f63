namespace VSwitch.Flows.Translation;

/// <summary>
/// Switch-wide settings the pipeline's translation uses (OpenFlow 1.3.5 §7.3.2 <c>ofp_switch_config</c>). Immutable.
/// </summary>
/// <param name="InvalidTtlToController">
/// OFPC_INVALID_TTL_TO_CONTROLLER: a <c>dec_ttl</c> that finds a TTL of 0 or 1 sends the packet to the controllers
/// (reason INVALID_TTL) instead of only dropping it.
/// </param>
/// <param name="MissSendLen">Bytes of such a packet sent to the controllers (miss_send_len; 0xffff = all).</param>
public sealed record PipelineSettings(bool InvalidTtlToController = false, ushort MissSendLen = 128)
{
    /// <summary>Drop invalid TTLs quietly; 128 bytes.</summary>
    public static PipelineSettings Default { get; } = new();
}
