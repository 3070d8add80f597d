using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Health;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// Reads jobs for the job list, the job page, the overview and the jobs tabs of clusters, nodes and VMs,
/// newest first and paged in the database. A user sees every job of the clusters they administer and the jobs of
/// the VMs they may see (<see cref="AccessFilters"/>).
/// </summary>
public sealed class JobQueries(IDbContextFactory<AppDbContext> contextFactory, ClusterQueries clusters, IPortalAccess access)
{
    public async Task<PagedResult<JobRow>> ListAsync(ClaimsPrincipal user, JobQuery query, CancellationToken ct)
    {
        var pageSize = Paging.ClampPageSize(query.PageSize);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return PagedResult.Empty<JobRow>(pageSize);
        }

        var jobs = db.Jobs.AsNoTracking().VisibleTo(db, scope);
        if (!string.IsNullOrWhiteSpace(query.Cluster))
        {
            var slug = query.Cluster.Trim().ToLowerInvariant();
            var clusterId = await db.Clusters.Where(c => c.Slug == slug).Select(c => (int?)c.Id).FirstOrDefaultAsync(ct);
            if (clusterId is not { } id)
            {
                return PagedResult.Empty<JobRow>(pageSize);
            }

            jobs = jobs.Where(j => j.ClusterId == id);
        }

        if (!string.IsNullOrWhiteSpace(query.Status))
        {
            var status = query.Status.Trim();
            if (string.Equals(status, JobQuery.StatusActive, StringComparison.OrdinalIgnoreCase))
            {
                jobs = jobs.Where(j => JobQuery.ActiveStatuses.Contains(j.Status));
            }
            else if (Enum.TryParse<JobStatus>(status, ignoreCase: true, out var exact) && Enum.IsDefined(exact) && !int.TryParse(status, out _))
            {
                jobs = jobs.Where(j => j.Status == exact);
            }
            else
            {
                return PagedResult.Empty<JobRow>(pageSize);
            }
        }

        if (query.VirtualMachineId is { } vmId)
        {
            jobs = jobs.Where(j => j.VirtualMachineId == vmId);
        }

        if (query.NodeId is { } nodeId)
        {
            // A node's jobs include the moves its migrate or evacuate started (child jobs act on the VMs).
            jobs = jobs.Where(j => j.NodeId == nodeId || (j.ParentJobId != null && db.Jobs.Any(p => p.Id == j.ParentJobId && p.NodeId == nodeId)));
        }

        var total = await jobs.CountAsync(ct);
        if (total == 0)
        {
            return PagedResult.Empty<JobRow>(pageSize);
        }

        var page = Paging.ClampPage(query.Page, total, pageSize);
        var rows = await Project(db, jobs.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
                .Skip((page - 1) * pageSize)
                .Take(pageSize))
            .ToListAsync(ct);
        return new PagedResult<JobRow>([.. rows.Select(r => r.ToRow())], total, page, pageSize);
    }

    /// <summary>The job with this portal id, or null when there is none.</summary>
    public async Task<JobDetail?> GetAsync(ClaimsPrincipal user, long id, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return null;
        }

        var job = await db.Jobs.AsNoTracking().VisibleTo(db, scope).FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return null;
        }

        var cluster = await db.Clusters.AsNoTracking().Where(c => c.Id == job.ClusterId).Select(c => new { c.Slug, c.Sync }).SingleAsync(ct);
        var row = (await Project(db, db.Jobs.Where(j => j.Id == id)).SingleAsync(ct)).ToRow();
        var children = await Project(db, db.Jobs.AsNoTracking().VisibleTo(db, scope).Where(j => j.ParentJobId == id).OrderBy(j => j.Id)).ToListAsync(ct);
        return new JobDetail(
            row,
            clusters.HealthOf(cluster.Slug, cluster.Sync),
            job.OpIds,
            job.Summary,
            JobLog.Parse(job.Log),
            job.Submission,
            job.SubmissionError,
            job.SubmittedAt,
            job.ReceivedAt,
            job.StartedAt,
            job.ErrorClass,
            job.ErrorCode,
            job.Result,
            job.ParentJobId,
            [.. children.Select(c => c.ToRow())]);
    }

    /// <summary>
    /// Jobs joined with what they act on, so that a target's link uses its current name (a VM can be renamed
    /// after its job; a deleted VM keeps the name recorded with the job, without a link).
    /// </summary>
    private static IQueryable<JobProjection> Project(AppDbContext db, IQueryable<Job> jobs) =>
        from j in jobs
        join c in db.Clusters on j.ClusterId equals c.Id
        join v in db.VirtualMachines on j.VirtualMachineId equals (long?)v.Id into vms
        from v in vms.DefaultIfEmpty()
        join n in db.Nodes on j.NodeId equals (int?)n.Id into nodes
        from n in nodes.DefaultIfEmpty()
        select new JobProjection
        {
            Id = j.Id,
            ClusterId = j.ClusterId,
            ClusterSlug = c.Slug,
            GanetiJobId = j.GanetiJobId,
            Operation = j.Operation,
            Summary = j.Summary,
            Status = j.Status,
            Source = j.Source,
            TargetKind = j.TargetKind,
            TargetName = j.TargetName,
            VmName = v.Name,
            NodeName = n.Name,
            SubmittedByName = j.SubmittedByName,
            CreatedAt = j.CreatedAt,
            StartedAt = j.StartedAt,
            EndedAt = j.EndedAt,
            ErrorMessage = j.ErrorMessage,
        };

    private sealed class JobProjection
    {
        public long Id { get; init; }

        public int ClusterId { get; init; }

        public required string ClusterSlug { get; init; }

        public long? GanetiJobId { get; init; }

        public required string Operation { get; init; }

        public required List<string> Summary { get; init; }

        public JobStatus Status { get; init; }

        public JobSource Source { get; init; }

        public JobTargetKind TargetKind { get; init; }

        public required string TargetName { get; init; }

        public string? VmName { get; init; }

        public string? NodeName { get; init; }

        public string? SubmittedByName { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? StartedAt { get; init; }

        public DateTimeOffset? EndedAt { get; init; }

        public string? ErrorMessage { get; init; }

        public JobRow ToRow()
        {
            var (name, exists) = TargetKind switch
            {
                JobTargetKind.VirtualMachine => (VmName ?? TargetName, VmName is not null),
                JobTargetKind.Node => (NodeName ?? TargetName, NodeName is not null),
                _ => (TargetName.Length > 0 ? TargetName : ClusterSlug, true),
            };
            return new JobRow(
                Id,
                ClusterId,
                ClusterSlug,
                GanetiJobId,
                Operation,
                JobDescriptions.Describe(Operation, Summary),
                Status,
                new JobTarget(TargetKind, name, exists),
                Source,
                SubmittedByName,
                CreatedAt,
                StartedAt,
                EndedAt,
                ErrorMessage);
        }
    }
}

/// <summary>Which jobs a job list shows; newest first.</summary>
public sealed record JobQuery
{
    /// <summary>Status filter for jobs not finished yet (pending, queued, waiting, running, canceling).</summary>
    public const string StatusActive = "active";

    public static readonly IReadOnlyList<JobStatus> ActiveStatuses =
        [JobStatus.Pending, JobStatus.Queued, JobStatus.Waiting, JobStatus.Running, JobStatus.Canceling];

    /// <summary>Cluster slug.</summary>
    public string? Cluster { get; init; }

    /// <summary>A <see cref="JobStatus"/> name (any case) or <see cref="StatusActive"/>.</summary>
    public string? Status { get; init; }

    public long? VirtualMachineId { get; init; }

    public int? NodeId { get; init; }

    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = Paging.DefaultPageSize;
}

/// <summary>What a job acts on; <see cref="Exists"/> is false once the object is gone (no link then).</summary>
public sealed record JobTarget(JobTargetKind Kind, string Name, bool Exists);

public sealed record JobRow(
    long Id,
    int ClusterId,
    string ClusterSlug,
    long? GanetiJobId,
    string Operation,
    string Description,
    JobStatus Status,
    JobTarget Target,
    JobSource Source,
    string? SubmittedByName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? ErrorMessage)
{
    public bool IsFinished => Status is JobStatus.Success or JobStatus.Error or JobStatus.Canceled or JobStatus.Unknown;

    /// <summary>Who started it: a portal user, or "outside the portal" (gnt-* commands, other RAPI clients).</summary>
    public string Submitter => Source == JobSource.Outside ? "outside the portal" : SubmittedByName ?? "a deleted user";
}

public sealed record JobDetail(
    JobRow Row,
    ClusterHealth ClusterHealth,
    IReadOnlyList<string> OpIds,
    IReadOnlyList<string> Summary,
    IReadOnlyList<JobLogLine> Log,
    JobSubmission Submission,
    string? SubmissionError,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? ReceivedAt,
    DateTimeOffset? StartedAt,
    string? ErrorClass,
    string? ErrorCode,
    string? Result,
    long? ParentJobId,
    IReadOnlyList<JobRow> Children);
