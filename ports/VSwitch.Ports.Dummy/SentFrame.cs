namespace VSwitch.Ports.Dummy;

/// <summary>A copy of one frame a <see cref="DummyPort"/> transmitted, with the transmit queue it went out on.</summary>
/// <param name="Queue">The transmit queue.</param>
/// <param name="Frame">The frame bytes (a private copy).</param>
public readonly record struct SentFrame(int Queue, byte[] Frame);
