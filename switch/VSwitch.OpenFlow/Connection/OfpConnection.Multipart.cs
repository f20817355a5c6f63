using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

public sealed partial class OfpConnection
{
    private readonly Dictionary<uint, PendingMultipart> _pending = [];

    private sealed class PendingMultipart(MultipartType kind)
    {
        public MultipartType Kind { get; } = kind;
        public int Bytes { get; set; }
        public List<TableFeatures> TableFeatures { get; } = [];
    }

    private async ValueTask<OfpError?> MultipartAsync(MultipartRequest r, CancellationToken token)
    {
        if (!TryReassemble(ref r, out OfpError? error))
        {
            return error;
        }
        if (r.Flags.HasFlag(MultipartFlags.More))
        {
            return null;
        }
        OfpResult<IReadOnlyList<MultipartItem>> items = await _hub.CallAsync(s => Query(s, r)).ConfigureAwait(false);
        if (!items.IsOk)
        {
            return items.Error;
        }
        foreach (bool _ in OfpEncoder.EncodeMultipartReplies(_writer, _scratch, r.Xid, r.Kind, items.Value))
        {
            await SendEncodedAsync(_writer.WrittenMemory, token).ConfigureAwait(false);
        }
        return null;
    }

    // §7.3.5: a request in several parts shares one xid, every part but the last with OFPMPF_REQ_MORE. Parts are
    // kept up to MultipartRequestBytes, and at most MaxPendingMultipart requests at once.
    private bool TryReassemble(ref MultipartRequest r, out OfpError? error)
    {
        error = null;
        bool more = r.Flags.HasFlag(MultipartFlags.More);
        if (!_pending.TryGetValue(r.Xid, out PendingMultipart? pending))
        {
            if (!more)
            {
                return true;
            }
            if (_pending.Count >= _options.MaxPendingMultipart)
            {
                error = OfpError.Of(BadRequestCode.MultipartBufferOverflow);
                return false;
            }
            pending = new PendingMultipart(r.Kind);
            _pending[r.Xid] = pending;
        }
        if (pending.Kind != r.Kind)
        {
            _pending.Remove(r.Xid);
            error = OfpError.Of(BadRequestCode.BadMultipart);
            return false;
        }
        pending.Bytes += _currentLength;
        pending.TableFeatures.AddRange(r.TableFeatures);
        if (pending.Bytes > _options.MultipartRequestBytes)
        {
            _pending.Remove(r.Xid);
            error = OfpError.Of(BadRequestCode.MultipartBufferOverflow);
            return false;
        }
        if (!more)
        {
            _pending.Remove(r.Xid);
            r = r with { TableFeatures = pending.TableFeatures };
        }
        return true;
    }

    private static OfpResult<IReadOnlyList<MultipartItem>> Query(IOpenFlowSwitch s, MultipartRequest r)
    {
        switch (r.Kind)
        {
            case MultipartType.Desc:
                return One(s.Description);
            case MultipartType.Flow:
                OfpResult<IReadOnlyList<FlowStats>> flows = s.GetFlowStats(r.Flow!);
                return flows.IsOk ? Many(flows.Value) : Fail(flows.Error!.Value);
            case MultipartType.Aggregate:
                OfpResult<AggregateStats> aggregate = s.GetAggregateStats(r.Flow!);
                return aggregate.IsOk ? One(aggregate.Value) : Fail(aggregate.Error!.Value);
            case MultipartType.Table:
                return Many(s.GetTableStats());
            case MultipartType.PortStats:
                OfpResult<IReadOnlyList<PortStats>> ports = s.GetPortStats(r.PortNo);
                return ports.IsOk ? Many(ports.Value) : Fail(ports.Error!.Value);
            case MultipartType.Queue:
                OfpResult<IReadOnlyList<QueueStats>> queues = s.GetQueueStats(r.PortNo, r.QueueId);
                return queues.IsOk ? Many(queues.Value) : Fail(queues.Error!.Value);
            case MultipartType.Group:
                return Many(s.GetGroupStats(r.GroupId));
            case MultipartType.GroupDesc:
                return Many(s.GetGroupDescriptions());
            case MultipartType.GroupFeatures:
                return One(s.GroupFeatures);
            case MultipartType.Meter or MultipartType.MeterConfig:
                return Many(Array.Empty<MultipartItem>());
            case MultipartType.MeterFeatures:
                return One(new MeterFeatures(0, 0, 0, 0, 0));
            case MultipartType.TableFeatures:
                // Setting table features (a non-empty body) would reshape the pipeline; this switch's tables are fixed.
                return r.TableFeatures.Count == 0 ? Many(s.GetTableFeatures()) : Fail(OfpError.Of(TableFeaturesFailedCode.Eperm));
            case MultipartType.PortDesc:
                return Many(s.GetPorts());
            default:
                return Fail(OfpError.Of(BadRequestCode.BadMultipart));
        }
    }

    private static OfpResult<IReadOnlyList<MultipartItem>> One(MultipartItem item) => OfpResult<IReadOnlyList<MultipartItem>>.Ok([item]);

    private static OfpResult<IReadOnlyList<MultipartItem>> Many<T>(IReadOnlyList<T> items) where T : MultipartItem =>
        OfpResult<IReadOnlyList<MultipartItem>>.Ok(items);

    private static OfpResult<IReadOnlyList<MultipartItem>> Fail(OfpError error) => OfpResult<IReadOnlyList<MultipartItem>>.Fail(error);
}
