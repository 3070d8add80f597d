namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// The diff between Ganeti's instance list (change markers) and the database: which rows match which
/// instances, what must be fetched in full, what is new, renamed or gone. Pure: unit-tested on its own.
/// </summary>
public sealed class InstancePlan
{
    private InstancePlan()
    {
    }

    /// <summary>Existing rows by the (current) name of the instance they mirror.</summary>
    public Dictionary<string, MirrorState> Matched { get; } = [];

    /// <summary>Instances to fetch in full: new, changed, reappeared (or all, for a full listing).</summary>
    public List<InstanceMarker> ToFetch { get; } = [];

    public List<InstanceMarker> NewInstances { get; } = [];

    /// <summary>Rows whose instance now has another name (same UUID).</summary>
    public List<long> RenamedIds { get; } = [];

    /// <summary>Rows whose instance Ganeti no longer has.</summary>
    public List<MirrorState> Gone { get; } = [];

    public HashSet<string> NamesInUse { get; } = [];

    /// <param name="markers">The instances to place: all of them, or only those that differ from the snapshot.</param>
    /// <param name="unchanged">Snapshot rows already known to match their instance exactly (see <see cref="InstanceMarker.Scan"/>).</param>
    /// <param name="snapshot">What the database holds.</param>
    /// <param name="fullListing">Fetch every instance in full.</param>
    public static InstancePlan Create(IReadOnlyList<InstanceMarker> markers, IReadOnlySet<long> unchanged, ClusterSnapshot snapshot, bool fullListing)
    {
        var plan = new InstancePlan();
        var byUuid = snapshot.ByUuid;
        var byName = snapshot.ByName;
        var claimed = new HashSet<long>(unchanged);
        var unmatched = new List<InstanceMarker>();

        // UUIDs survive renames, so they are matched first; a name alone matches only a row that has no
        // other identity (no UUID yet, or the same one). A reused name with a new UUID is a new instance.
        foreach (var marker in markers)
        {
            plan.NamesInUse.Add(marker.Name);
            if (marker.Uuid is not null && byUuid.TryGetValue(marker.Uuid, out var row) && claimed.Add(row.Id))
            {
                plan.Match(marker, row);
            }
            else
            {
                unmatched.Add(marker);
            }
        }

        foreach (var marker in unmatched)
        {
            if (byName.TryGetValue(marker.Name, out var row) && (row.Uuid is null || marker.Uuid is null || row.Uuid == marker.Uuid) && claimed.Add(row.Id))
            {
                plan.Match(marker, row);
            }
            else
            {
                plan.NewInstances.Add(marker);
                plan.ToFetch.Add(marker);
            }
        }

        plan.Gone.AddRange(snapshot.Rows.Values.Where(r => !claimed.Contains(r.Id)));
        if (fullListing)
        {
            plan.ToFetch.Clear();
            plan.ToFetch.AddRange(markers);
        }

        return plan;
    }

    private void Match(InstanceMarker marker, MirrorState row)
    {
        Matched[marker.Name] = row;
        if (row.Name != marker.Name)
        {
            RenamedIds.Add(row.Id);
        }

        if (!row.MatchesConfiguration(marker) || row.MissingSince is not null)
        {
            ToFetch.Add(marker);
        }
    }
}
