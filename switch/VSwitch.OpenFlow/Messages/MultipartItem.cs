namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// An entry of a multipart reply body: a flow's statistics, a port description, the switch description, and so
/// on. Each derived record mirrors one structure of OpenFlow 1.3.5 §7.3.5.
/// </summary>
public abstract record MultipartItem;
