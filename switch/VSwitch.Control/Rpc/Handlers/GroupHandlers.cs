using VSwitch.Flows.Groups;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// add-group, del-groups and dump-groups over the control plane's <see cref="FlowTables"/>, in ovs-ofctl syntax with
/// ports by name or number. These are the groups OpenFlow GROUP_MOD changes on the management socket: one set, stored
/// in the DB with the flows before the reply. Called by the dispatcher, one request at a time.
/// </summary>
public sealed class GroupHandlers
{
    /// <summary>Groups a bridge holds at most (the OpenFlow adapter reports the same in its group features).</summary>
    public const int MaxGroups = 65_536;

    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public GroupHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>add-group GROUP: as ovs-ofctl, a group whose id is taken is refused (OFPGMFC_GROUP_EXISTS), not replaced.</summary>
    public GroupChangeResult AddGroup(GroupParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (string.IsNullOrWhiteSpace(p.Group))
        {
            throw new ControlException(RpcErrorCodes.BadFlow, "add-group needs a group, e.g. group_id=5,type=all,bucket=output:1,bucket=output:2");
        }
        FlowGroup group = Parse(() => GroupParser.ParseGroup(p.Group, _control.Clock, _control.PortNames));
        if (_control.Flows.FindGroup(group.Id) is not null)
        {
            throw new ControlException(RpcErrorCodes.AlreadyExists, $"group {group.Id} exists (delete it with del-groups group_id={group.Id} first)");
        }
        if (_control.Flows.Groups.Count >= MaxGroups)
        {
            throw new ControlException(RpcErrorCodes.BadFlow, $"the bridge holds at most {MaxGroups} groups");
        }
        _control.Flows.AddGroup(group);
        _control.CommitFlows();
        return new GroupChangeResult(1, _control.Flows.Groups.Count, 0);
    }

    /// <summary>del-groups [group_id=N|all]: without a selection, every group; the flows that apply a deleted group go too.</summary>
    public GroupChangeResult DelGroups(GroupParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        uint? id = Selection(p.Group);
        int before = _control.Flows.Groups.Count;
        IReadOnlyList<RemovedFlow> removed = _control.Flows.DeleteGroup(id);
        int deleted = before - _control.Flows.Groups.Count;
        if (deleted > 0)
        {
            _control.CommitFlows(removed);
        }
        return new GroupChangeResult(deleted, _control.Flows.Groups.Count, removed.Count);
    }

    /// <summary>dump-groups [group_id=N|all]: the groups by id, as ovs-ofctl dump-groups prints them.</summary>
    public DumpGroupsResult DumpGroups(GroupParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        uint? id = Selection(p.Group);
        var groups = new List<GroupInfo>();
        foreach (FlowGroup g in _control.Flows.Groups.Where(g => id is null || g.Id == id).OrderBy(g => g.Id))
        {
            groups.Add(new GroupInfo(g.Id, GroupParser.TypeName(g.Type), FlowFormatter.FormatGroup(g, _control.PortNames),
                _control.Flows.GroupRefCount(g.Id)));
        }
        return new DumpGroupsResult([.. groups]);
    }

    private static uint? Selection(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : Parse(() => GroupParser.ParseSelection(text));

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FlowParseException or ArgumentException)
        {
            throw new ControlException(RpcErrorCodes.BadFlow, $"bad group: {e.Message}", e);
        }
    }
}
