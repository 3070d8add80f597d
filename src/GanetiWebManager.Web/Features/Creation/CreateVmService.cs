using System.Security.Claims;
using FluentValidation.Results;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Templates;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>A cluster the wizard offers; <see cref="Unavailable"/> says why it cannot be used now.</summary>
public sealed record CreateClusterChoice(int Id, string Slug, string Description, string? Unavailable);

/// <summary>An owner the user may create as, with its quota and usage on the cluster (for the live quota effect).</summary>
public sealed record PersonaQuota(Persona Persona, QuotaLimits Quota, ResourceAmounts Used)
{
    /// <summary>What a VM of <paramref name="spec"/> would take, and what would be short (none for unlimited quotas).</summary>
    public IReadOnlyList<QuotaShortfall> ShortfallsFor(VmSpec spec) => QuotaService.Shortfalls(Quota, Used, CreateVmService.NeedOf(spec));
}

/// <summary>What the wizard needs for one cluster: its facts, the allowed owners and the name checks.</summary>
public sealed class CreateOptions
{
    public required CreateClusterFacts Facts { get; init; }

    public required IReadOnlyList<PersonaQuota> Owners { get; init; }

    /// <summary>Why nothing can be created there now (read-only, failing sync...), or null.</summary>
    public string? Unavailable { get; init; }

    public required Func<string, CancellationToken, Task<bool>> InstanceNameInUse { get; init; }

    public required Func<string, CancellationToken, Task<bool>> TemplateNameInUse { get; init; }

    /// <summary>The validator the page runs; the service runs the same rules again before acting.</summary>
    public CreateVmFormValidator Validator() => new(Facts, [.. Owners.Select(o => o.Persona.Key)], InstanceNameInUse, TemplateNameInUse);
}

/// <summary>What became of a create: the job to follow and/or the template saved, or why nothing happened.</summary>
public sealed record CreateResult(bool Succeeded, string Message, long? JobId, long? TemplateId, IReadOnlyList<ValidationFailure> Failures)
{
    public static CreateResult Refused(string message, params ValidationFailure[] failures) => new(false, message, null, null, failures);
}

/// <summary>A create job as its landing page shows it.</summary>
public sealed record CreateProgress(
    long JobId,
    int ClusterId,
    string ClusterSlug,
    string InstanceName,
    JobStatus Status,
    JobSubmission Submission,
    string? Error,
    IReadOnlyList<JobLogLine> Log,
    long? VirtualMachineId,
    string? VmStatus,
    bool CanRetry)
{
    public bool IsFinished => Status is JobStatus.Success or JobStatus.Error or JobStatus.Canceled or JobStatus.Unknown;
}

/// <summary>
/// Creating VMs (product-spec §7): the clusters and owners the wizard offers, and the submit. <see cref="CreateAsync"/>
/// re-checks everything on the server whatever the form showed: create_vm (or cluster admin) on the cluster, the owner
/// among the user's personas, the cluster writable and in sync, the same validator as the form (instance policy with
/// the cluster's numbers), then reserves quota atomically (ADR 0008), sends <see cref="CreateInstance"/> through the
/// outbox with the reservation linked to the intent, and audits <c>vm.create</c> (allowed and refused). The new VM
/// carries its ownership tag, so the sync gives it its owner as soon as it mirrors it.
/// </summary>
public sealed class CreateVmService(
    IDbContextFactory<AppDbContext> contexts,
    IPortalAccess access,
    AccessGuard guard,
    IAuditLog audit,
    PersonaService personas,
    QuotaService quotas,
    JobSubmitter submitter,
    LiveUpdateHub liveUpdates,
    TimeProvider clock)
{
    internal const string CreateAction = "vm.create";
    internal const string TemplateCreateAction = "template.create";

    private static readonly JobStatus[] Unfinished = [JobStatus.Pending, JobStatus.Queued, JobStatus.Waiting, JobStatus.Running, JobStatus.Canceling];

    /// <summary>What a VM of <paramref name="spec"/> adds to its owner's usage (RAM and vCPUs only when it is started).</summary>
    public static ResourceAmounts NeedOf(VmSpec spec) =>
        spec.Start ? new ResourceAmounts(spec.MaxMemoryMiB, spec.DiskTotalMiB, spec.Vcpus) : new ResourceAmounts(0, spec.DiskTotalMiB, 0);

    /// <summary>The clusters where <paramref name="user"/> may create (create_vm or admin; superusers all), with why some cannot be used now.</summary>
    public async Task<IReadOnlyList<CreateClusterChoice>> ListClustersAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        var clusters = await db.Clusters.AsNoTracking().OrderBy(c => c.Slug).ToListAsync(ct);
        return [.. clusters
            .Where(c => scope.IsSuperuser || AccessRules.HasOnCluster(scope, c.Id, ClusterPermissions.CreateVm))
            .Select(c => new CreateClusterChoice(c.Id, c.Slug, c.Description, WhyUnavailable(c)))];
    }

    /// <summary>
    /// The wizard's facts and owners for one cluster; null when the user may not create there. When editing a template,
    /// <paramref name="editingTemplateId"/> keeps its own name from counting as taken.
    /// </summary>
    public async Task<CreateOptions?> GetOptionsAsync(ClaimsPrincipal user, int clusterId, long? editingTemplateId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated || !(scope.IsSuperuser || AccessRules.HasOnCluster(scope, clusterId, ClusterPermissions.CreateVm)))
        {
            return null;
        }

        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
        {
            return null;
        }

        var facts = await FactsAsync(db, cluster, ct);
        var owners = new List<PersonaQuota>();
        foreach (var persona in await personas.AllowedOwnersAsync(user, clusterId, ct))
        {
            owners.Add(new PersonaQuota(
                persona,
                await QuotaService.QuotaAsync(db, clusterId, persona.Owner, ct),
                await QuotaService.UsageAsync(db, clusterId, persona.Owner, ct)));
        }

        return new CreateOptions
        {
            Facts = facts,
            Owners = owners,
            Unavailable = WhyUnavailable(cluster),
            InstanceNameInUse = (name, token) => InstanceNameInUseAsync(clusterId, name, token),
            TemplateNameInUse = (name, token) => TemplateNameInUseAsync(clusterId, name, editingTemplateId, token),
        };
    }

    /// <summary>
    /// Creates the VM and/or saves the template the form describes, after every check (see the class). Validation
    /// problems come back as <see cref="CreateResult.Failures"/> for the form's fields.
    /// </summary>
    public async Task<CreateResult> CreateAsync(ClaimsPrincipal user, CreateVmForm form, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(form);
        form.Spec ??= new VmSpec();
        var action = form.CreateVm ? CreateAction : TemplateCreateAction;
        if (!await guard.AllowsAsync(user, new ClusterResource(form.ClusterId), ClusterOperation.CreateVm, action, ct))
        {
            return CreateResult.Refused("You may not create virtual machines or templates on this cluster.");
        }

        Cluster? cluster;
        CreateClusterFacts facts;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == form.ClusterId, ct);
            if (cluster is null)
            {
                return CreateResult.Refused("The cluster no longer exists.");
            }

            facts = await FactsAsync(db, cluster, ct);
        }

        if (form.CreateVm && WhyUnavailable(cluster) is { } unavailable)
        {
            return CreateResult.Refused($"Nothing can be created on {cluster.Slug} now: {unavailable}");
        }

        var owner = QuotaForm.ParseOwner(form.OwnerKey);
        var allowed = await personas.AllowedOwnersAsync(user, cluster.Id, ct);
        if (form.CreateVm && owner is { } wanted && !allowed.Any(p => p.Owner == wanted))
        {
            // A persona the user may not act as (a forged form, or a grant lost meanwhile): a refusal, audited.
            await audit.RecordRefusalAsync(user, action, new ClusterResource(cluster.Id), $"may not create as {wanted}", ct);
            return CreateResult.Refused(
                "You may not create virtual machines as that owner on this cluster.",
                new ValidationFailure(nameof(CreateVmForm.OwnerKey), "You may not create virtual machines as that owner on this cluster."));
        }

        var validator = new CreateVmFormValidator(
            facts, [.. allowed.Select(p => p.Key)],
            (name, token) => InstanceNameInUseAsync(cluster.Id, name, token),
            (name, token) => TemplateNameInUseAsync(cluster.Id, name, null, token));
        var validation = await validator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return CreateResult.Refused("Some settings need correcting.", [.. validation.Errors]);
        }

        QuotaHold? hold = null;
        if (form.CreateVm)
        {
            var need = NeedOf(form.Spec);
            var decision = await quotas.ReserveForCreateAsync(
                user, cluster.Id, owner!.Value, form.InstanceName!, need.DiskMiB, form.Spec.MaxMemoryMiB, form.Spec.Vcpus, form.Spec.Start, ct: ct);
            if (!decision.Granted)
            {
                return CreateResult.Refused(decision.Message ?? "Not enough quota.");
            }

            hold = decision.Hold;
        }

        long? templateId = null;
        if (form.SaveTemplate)
        {
            templateId = await SaveTemplateAsync(user, cluster, form, ct);
            if (templateId is null)
            {
                if (hold is not null)
                {
                    await quotas.ReleaseAsync(hold, "the template name was taken meanwhile", CancellationToken.None);
                }

                return CreateResult.Refused(
                    "A template of that name was saved meanwhile.",
                    new ValidationFailure(nameof(CreateVmForm.TemplateName), $"The cluster already has a template named \"{form.TemplateName}\"."));
            }
        }

        if (!form.CreateVm)
        {
            return new CreateResult(true, $"Template \"{form.TemplateName}\" saved.", null, templateId, []);
        }

        var tag = await OwnershipTagAsync(owner!.Value, ct);
        var request = CreateRequests.Build(form.InstanceName!, form.Spec, facts, tag);
        var target = new JobActionTarget(cluster.Id, JobTargetKind.VirtualMachine, form.InstanceName!);
        var result = await submitter.SubmitAsync(target, new CreateInstance(request), JobRequester.From(user), hold is null ? null : hold.LinkIntentAsync, ct);
        if (hold is not null && (result.JobId is null || result.Submission == JobSubmission.Rejected))
        {
            await quotas.ReleaseAsync(hold, "the submission was refused", CancellationToken.None);
        }

        var entry = AuditEntries.By(user, CreateAction);
        entry.ClusterId = cluster.Id;
        entry.ClusterSlug = cluster.Slug;
        entry.VmName = form.InstanceName;
        entry.JobId = result.JobId;
        entry.Persona = tag[OwnershipTag.Prefix.Length..];
        entry.SubjectUserId = owner.Value.UserId;
        entry.GroupId = owner.Value.GroupId;
        entry.After = AuditEntries.State(new
        {
            form.Spec.Hypervisor, form.Spec.Os, form.Spec.Vcpus, form.Spec.MinMemoryMiB, form.Spec.MaxMemoryMiB, form.Spec.DiskTemplate,
            Disks = form.Spec.Disks.Select(d => d.SizeMiB), NicCount = form.Spec.Nics.Count, form.Spec.Start,
            Template = templateId is null ? null : form.TemplateName,
        });
        entry.Reason = result.Submission == JobSubmission.Rejected ? $"Ganeti refused: {result.Message}" : null;
        await audit.RecordAsync(entry, CancellationToken.None);

        return result.Submission switch
        {
            JobSubmission.Submitted => new CreateResult(true, $"Creating {form.InstanceName}: Ganeti job {result.GanetiJobId} was queued.", result.JobId, templateId, []),
            JobSubmission.Pending => new CreateResult(true, result.Message ?? "Waiting for the cluster to confirm the request.", result.JobId, templateId, []),
            _ => new CreateResult(false, result.Message ?? "The cluster refused the request.", result.JobId, templateId, []),
        };
    }

    /// <summary>
    /// A create job for its landing page: shown to whoever submitted it and to whoever may see it otherwise (its VM,
    /// once mirrored; the cluster's admins). Null for anyone else, and for jobs that are not creates.
    /// </summary>
    public async Task<CreateProgress?> GetProgressAsync(ClaimsPrincipal user, long jobId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return null;
        }

        var job = await db.Jobs.AsNoTracking()
            .Where(j => j.Id == jobId && j.Operation == JobOperations.InstanceCreate)
            .Where(j => j.SubmittedByUserId == scope.UserId || db.Jobs.VisibleTo(db, scope).Any(v => v.Id == j.Id))
            .SingleOrDefaultAsync(ct);
        if (job is null)
        {
            return null;
        }

        var slug = await db.Clusters.Where(c => c.Id == job.ClusterId).Select(c => c.Slug).SingleAsync(ct);
        var vm = await db.VirtualMachines.AsNoTracking()
            .VisibleTo(db, scope)
            .Where(v => v.ClusterId == job.ClusterId && v.Name == job.TargetName && v.MissingSince == null)
            .Select(v => new { v.Id, v.Status })
            .FirstOrDefaultAsync(ct);
        var canCreate = scope.IsSuperuser || AccessRules.HasOnCluster(scope, job.ClusterId, ClusterPermissions.CreateVm);
        return new CreateProgress(
            job.Id, job.ClusterId, slug, job.TargetName, job.Status, job.Submission, job.ErrorMessage ?? job.SubmissionError, JobLog.Parse(job.Log),
            vm?.Id, vm?.Status,
            CanRetry: canCreate && job.Status is JobStatus.Error or JobStatus.Canceled or JobStatus.Unknown);
    }

    /// <summary>
    /// The wizard's form pre-filled from a failed create (its intent's request, kept in <c>jobs.request</c>): same
    /// cluster, owner, name and settings (GWM's "recover"). Null when the user may not see the job or create there.
    /// </summary>
    public async Task<CreateVmForm?> RetryFormAsync(ClaimsPrincipal user, long jobId, CancellationToken ct = default)
    {
        var progress = await GetProgressAsync(user, jobId, ct);
        if (progress is null || !progress.CanRetry)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId, ct);
        if (JobActionTypes.TryRead(job.Operation, job.Request) is not CreateInstance { Request: { } request })
        {
            return null;
        }

        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == job.ClusterId, ct);
        var facts = await FactsAsync(db, cluster, ct);
        string? ownerKey = null;
        if (CreateRequests.OwnershipTagOf(request) is { } text && OwnershipTag.TryParse(text, out var tag))
        {
            ownerKey = tag.Kind == OwnerKind.User
                ? await db.Users.Where(u => u.UserName == tag.Name).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(ct) is { } id ? QuotaOwner.User(id).ToString() : null
                : await db.Groups.Where(g => g.Slug == tag.Name).Select(g => (int?)g.Id).SingleOrDefaultAsync(ct) is { } gid ? QuotaOwner.Group(gid).ToString() : null;
        }

        return new CreateVmForm
        {
            ClusterId = cluster.Id,
            CreateVm = true,
            OwnerKey = ownerKey,
            InstanceName = request.Name,
            Spec = CreateRequests.ToSpec(request, facts),
        };
    }

    internal static string? WhyUnavailable(Cluster cluster) =>
        cluster.IsReadOnly ? "the cluster is read-only (the portal has no RAPI credentials for it)."
        : cluster.PresentedCertificateSha256 is not null ? "the cluster presented a new certificate, which an admin must accept first."
        : cluster.Sync.LastError is { } error ? $"the cluster's last sync failed ({error}); its data may be stale."
        : cluster.Info.EnabledHypervisors.Count == 0 ? "the cluster has not been synchronised yet."
        : null;

    internal static async Task<CreateClusterFacts> FactsAsync(AppDbContext db, Cluster cluster, CancellationToken ct)
    {
        var nodes = await db.Nodes.AsNoTracking().Where(n => n.ClusterId == cluster.Id).ToListAsync(ct);
        return CreateClusterFacts.From(cluster, nodes);
    }

    private async Task<bool> InstanceNameInUseAsync(int clusterId, string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // A VM mirrored under that name (still in Ganeti), or a create of that name still under way.
        return await db.VirtualMachines.AnyAsync(v => v.ClusterId == clusterId && v.Name == name && v.MissingSince == null, ct)
               || await db.Jobs.AnyAsync(j => j.ClusterId == clusterId && j.Operation == JobOperations.InstanceCreate && j.TargetName == name && Unfinished.Contains(j.Status), ct);
    }

    internal async Task<bool> TemplateNameInUseAsync(int clusterId, string name, long? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.VmTemplates.AnyAsync(t => t.ClusterId == clusterId && t.Name == name && t.Id != except, ct);
    }

    private async Task<long?> SaveTemplateAsync(ClaimsPrincipal user, Cluster cluster, CreateVmForm form, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var template = new VmTemplate
        {
            ClusterId = cluster.Id,
            Name = form.TemplateName!,
            Description = form.TemplateDescription?.Trim() ?? "",
            Spec = form.Spec.ToJson(),
            CreatedByUserId = (await access.ScopeAsync(db, user, ct)).UserId,
            CreatedByName = user.Identity?.Name ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.VmTemplates.Add(template);
        var entry = AuditEntries.By(user, TemplateCreateAction);
        entry.ClusterId = cluster.Id;
        entry.ClusterSlug = cluster.Slug;
        entry.After = AuditEntries.State(new { template.Name, template.Description });
        audit.Add(db, entry);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return null;
        }

        liveUpdates.Publish(new TemplatesChanged(cluster.Id));
        return template.Id;
    }

    private async Task<string> OwnershipTagAsync(QuotaOwner owner, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return owner.UserId is { } user
            ? new OwnershipTag(OwnerKind.User, await db.Users.Where(u => u.Id == user).Select(u => u.UserName!).SingleAsync(ct)).ToString()
            : new OwnershipTag(OwnerKind.Group, await db.Groups.Where(g => g.Id == owner.GroupId).Select(g => g.Slug).SingleAsync(ct)).ToString();
    }
}

/// <summary>Templates of a cluster were saved, changed or deleted: template lists re-read.</summary>
public sealed record TemplatesChanged(int ClusterId) : PortalChange(ClusterId);
