using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Domain.Jobs;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>A job as pages show it.</summary>
public sealed record JobView(
    long Id,
    string Operation,
    string OperationText,
    JobStatus Status,
    string StatusText,
    bool IsFinished,
    JobSource Source,
    string? SubmittedBy,
    long? GanetiJobId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<JobLogLine> RecentLog,
    string? Error,
    string? ErrorClass,
    string? ErrorCode)
{
    public bool Succeeded => Status == JobStatus.Success;

    public static JobView From(Job job, int recentLogLines)
    {
        var log = JobLog.Parse(job.Log);
        return new JobView(
            job.Id,
            job.Operation,
            JobDescriptions.Describe(job.Operation, job.Summary),
            job.Status,
            JobTexts.Status(job),
            job.IsFinished,
            job.Source,
            job.SubmittedByName,
            job.GanetiJobId,
            job.CreatedAt,
            job.StartedAt,
            job.EndedAt,
            log.Count > recentLogLines ? [.. log.Skip(log.Count - recentLogLines)] : log,
            job.ErrorMessage ?? (job.IsFinished ? null : job.SubmissionError),
            job.ErrorClass,
            job.ErrorCode);
    }
}

/// <summary>Reads jobs for pages (from the database only), filtered like every other read.</summary>
public sealed class JobReader(IDbContextFactory<AppDbContext> contextFactory, IPortalAccess access)
{
    /// <summary>The VM's most recent job (the portal's or one started outside it), or null (none, or the VM is not visible).</summary>
    public async Task<JobView?> LatestForVmAsync(ClaimsPrincipal user, long vmId, int recentLogLines = 5, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(db, scope).Where(j => j.VirtualMachineId == vmId)
            .OrderByDescending(j => j.SubmittedAt ?? j.CreatedAt).ThenByDescending(j => j.Id).FirstOrDefaultAsync(ct);
        return job is null ? null : JobView.From(job, recentLogLines);
    }
}
