using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Templates;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>A template in a list.</summary>
public sealed record TemplateRow(
    long Id, int ClusterId, string ClusterSlug, string Name, string Description, string? Os, string? Hypervisor,
    int Vcpus, long MaxMemoryMiB, long DiskTotalMiB, string? DiskTemplate, string CreatedBy, DateTimeOffset UpdatedAt);

/// <summary>A template with its settings.</summary>
public sealed record TemplateDetail(TemplateRow Row, VmSpec Spec);

/// <summary>A template's name, description and settings as the edit form changes them.</summary>
public sealed class TemplateForm
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public VmSpec Spec { get; set; } = new();
}

/// <summary>The rules of a template: a free name on its cluster and settings valid there (the wizard's rules).</summary>
public sealed class TemplateFormValidator : AbstractValidator<TemplateForm>
{
    public TemplateFormValidator(CreateClusterFacts facts, Func<string, CancellationToken, Task<bool>> nameInUse)
    {
        RuleFor(f => f.Name)
            .Must(CreateNames.IsValidTemplateName)
            .WithMessage($"Give the template a name (up to {VmTemplate.MaxNameLength} characters, no leading or trailing spaces).")
            .MustAsync(async (name, ct) => !await nameInUse(name!, ct))
            .When(f => CreateNames.IsValidTemplateName(f.Name), ApplyConditionTo.CurrentValidator)
            .WithMessage(f => $"The cluster already has a template named \"{f.Name}\".");
        RuleFor(f => f.Description)
            .MaximumLength(VmTemplate.MaxDescriptionLength)
            .WithMessage($"The description is at most {VmTemplate.MaxDescriptionLength} characters.");
        RuleFor(f => f.Spec).SetValidator(new VmSpecValidator(facts));
    }
}

/// <summary>What became of a template change.</summary>
public sealed record TemplateResult(bool Succeeded, string Message, long? TemplateId, IReadOnlyList<ValidationFailure> Failures)
{
    public static TemplateResult Refused(string message, params ValidationFailure[] failures) => new(false, message, null, failures);
}

/// <summary>
/// Templates (product-spec §7): named VM settings per cluster, for holders of create_vm or admin on that cluster
/// (superusers all). Listing is filtered by the same rule; every change re-checks it through <see cref="AccessGuard"/>
/// (refusals audited, nothing changed), validates with the wizard's rules, and is audited. Creating a VM from a
/// template goes through the wizard and <see cref="CreateVmService.CreateAsync"/>, like any other create.
/// </summary>
public sealed class TemplateService(
    IDbContextFactory<AppDbContext> contexts,
    IPortalAccess access,
    AccessGuard guard,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    TimeProvider clock)
{
    /// <summary>The templates of the clusters where the user may create (optionally one cluster's), by cluster and name.</summary>
    public async Task<IReadOnlyList<TemplateRow>> ListAsync(ClaimsPrincipal user, int? clusterId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        var query = db.VmTemplates.AsNoTracking();
        if (!scope.IsSuperuser)
        {
            var clusters = scope.ClusterGrants
                .Where(g => (g.Permissions & (ClusterPermissions.CreateVm | ClusterPermissions.Admin)) != 0)
                .Select(g => g.ClusterId).Distinct().ToList();
            query = query.Where(t => clusters.Contains(t.ClusterId));
        }

        if (clusterId is { } id)
        {
            query = query.Where(t => t.ClusterId == id);
        }

        var rows = await query
            .Join(db.Clusters, t => t.ClusterId, c => c.Id, (t, c) => new { Template = t, c.Slug })
            .OrderBy(x => x.Slug).ThenBy(x => x.Template.Name)
            .ToListAsync(ct);
        return [.. rows.Select(x => ToRow(x.Template, x.Slug))];
    }

    public async Task<TemplateDetail?> GetAsync(ClaimsPrincipal user, long templateId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var template = await db.VmTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == templateId, ct);
        if (template is null || !MayUse(scope, template.ClusterId))
        {
            return null;
        }

        var slug = await db.Clusters.Where(c => c.Id == template.ClusterId).Select(c => c.Slug).SingleAsync(ct);
        return new TemplateDetail(ToRow(template, slug), VmSpec.FromJson(template.Spec) ?? new VmSpec());
    }

    /// <summary>Changes a template's name, description and settings.</summary>
    public async Task<TemplateResult> UpdateAsync(ClaimsPrincipal user, long templateId, TemplateForm form, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(form);
        var found = await AuthorizeAsync(user, templateId, "template.update", ct);
        if (found.Refusal is not null)
        {
            return found.Refusal;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var template = await db.VmTemplates.SingleOrDefaultAsync(t => t.Id == templateId, ct);
        if (template is null)
        {
            return TemplateResult.Refused("The template no longer exists.");
        }

        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == template.ClusterId, ct);
        var facts = await CreateVmService.FactsAsync(db, cluster, ct);
        form.Spec ??= new VmSpec();
        var validation = await new TemplateFormValidator(facts, (name, token) => NameInUseAsync(template.ClusterId, name, templateId, token)).ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return TemplateResult.Refused("Some settings need correcting.", [.. validation.Errors]);
        }

        var before = AuditEntries.State(new { template.Name, template.Description, Spec = JsonDocument.Parse(template.Spec).RootElement });
        template.Name = form.Name!;
        template.Description = form.Description?.Trim() ?? "";
        template.Spec = form.Spec.ToJson();
        template.UpdatedAt = clock.GetUtcNow();
        var entry = Entry(user, "template.update", cluster.Id, cluster.Slug, template.Name);
        entry.Before = before;
        entry.After = AuditEntries.State(new { template.Name, template.Description, Spec = form.Spec });
        audit.Add(db, entry);
        return await SaveAsync(db, template, $"Template \"{template.Name}\" saved.", ct);
    }

    /// <summary>Copies a template under a new name (same cluster).</summary>
    public async Task<TemplateResult> CopyAsync(ClaimsPrincipal user, long templateId, string? newName, string? description, CancellationToken ct = default)
    {
        var found = await AuthorizeAsync(user, templateId, "template.copy", ct);
        if (found.Refusal is not null)
        {
            return found.Refusal;
        }

        var source = found.Template!;
        if (!CreateNames.IsValidTemplateName(newName))
        {
            return TemplateResult.Refused("Give the copy a name.", new ValidationFailure(nameof(TemplateForm.Name), $"Give the copy a name (up to {VmTemplate.MaxNameLength} characters)."));
        }

        if (await NameInUseAsync(source.ClusterId, newName!, null, ct))
        {
            return TemplateResult.Refused("That name is taken.", new ValidationFailure(nameof(TemplateForm.Name), $"The cluster already has a template named \"{newName}\"."));
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var copy = new VmTemplate
        {
            ClusterId = source.ClusterId,
            Name = newName!,
            Description = description?.Trim() is { Length: > 0 } d ? d[..Math.Min(d.Length, VmTemplate.MaxDescriptionLength)] : source.Description,
            Spec = source.Spec,
            CreatedByUserId = found.UserId,
            CreatedByName = user.Identity?.Name ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.VmTemplates.Add(copy);
        var entry = Entry(user, "template.copy", source.ClusterId, found.ClusterSlug!, copy.Name);
        entry.Before = AuditEntries.State(new { source.Name });
        entry.After = AuditEntries.State(new { copy.Name, copy.Description });
        audit.Add(db, entry);
        return await SaveAsync(db, copy, $"Template copied as \"{copy.Name}\".", ct);
    }

    public async Task<TemplateResult> DeleteAsync(ClaimsPrincipal user, long templateId, CancellationToken ct = default)
    {
        var found = await AuthorizeAsync(user, templateId, "template.delete", ct);
        if (found.Refusal is not null)
        {
            return found.Refusal;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var template = found.Template!;
        var entry = Entry(user, "template.delete", template.ClusterId, found.ClusterSlug!, template.Name);
        entry.Before = AuditEntries.State(new { template.Name, template.Description, Spec = JsonDocument.Parse(template.Spec).RootElement });
        audit.Add(db, entry);
        await db.VmTemplates.Where(t => t.Id == templateId).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new TemplatesChanged(template.ClusterId));
        return new TemplateResult(true, $"Template \"{template.Name}\" deleted.", templateId, []);
    }

    /// <summary>
    /// A template from an existing VM's settings (hypervisor, OS, vCPUs, memory, disk template, disks, NICs,
    /// hypervisor parameters): needs create_vm on its cluster and the right to see the VM.
    /// </summary>
    public async Task<TemplateResult> FromVmAsync(ClaimsPrincipal user, long vmId, string? name, string? description, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.AsNoTracking().SingleOrDefaultAsync(v => v.Id == vmId, ct);
        if (vm is null || !await guard.AllowsAsync(user, new VmResource(vmId), VmOperation.View, "template.create", ct))
        {
            if (vm is null)
            {
                await audit.RecordRefusalAsync(user, "template.create", new VmResource(vmId), "no such virtual machine", ct);
            }

            return TemplateResult.Refused("You may not see this virtual machine.");
        }

        if (!await guard.AllowsAsync(user, new ClusterResource(vm.ClusterId), ClusterOperation.CreateVm, "template.create", ct))
        {
            return TemplateResult.Refused("Templates of this cluster are for those who may create virtual machines there.");
        }

        if (!CreateNames.IsValidTemplateName(name))
        {
            return TemplateResult.Refused("Give the template a name.", new ValidationFailure(nameof(TemplateForm.Name), $"Give the template a name (up to {VmTemplate.MaxNameLength} characters)."));
        }

        if (await NameInUseAsync(vm.ClusterId, name!, null, ct))
        {
            return TemplateResult.Refused("That name is taken.", new ValidationFailure(nameof(TemplateForm.Name), $"The cluster already has a template named \"{name}\"."));
        }

        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == vm.ClusterId, ct);
        var facts = await CreateVmService.FactsAsync(db, cluster, ct);
        var spec = SpecOf(vm, facts);
        var now = clock.GetUtcNow();
        var template = new VmTemplate
        {
            ClusterId = vm.ClusterId,
            Name = name!,
            Description = description?.Trim() is { Length: > 0 } d ? d[..Math.Min(d.Length, VmTemplate.MaxDescriptionLength)] : $"From {vm.Name}",
            Spec = spec.ToJson(),
            CreatedByUserId = (await access.ScopeAsync(db, user, ct)).UserId,
            CreatedByName = user.Identity?.Name ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.VmTemplates.Add(template);
        var entry = Entry(user, "template.create", vm.ClusterId, cluster.Slug, template.Name);
        entry.VirtualMachineId = vm.Id;
        entry.VmName = vm.Name;
        entry.After = AuditEntries.State(new { template.Name, template.Description, Spec = spec });
        audit.Add(db, entry);
        return await SaveAsync(db, template, $"Template \"{template.Name}\" saved from {vm.Name}.", ct);
    }

    /// <summary>A VM's settings as a spec (what "save as template" keeps).</summary>
    internal static VmSpec SpecOf(Domain.VirtualMachines.VirtualMachine vm, CreateClusterFacts facts)
    {
        var spec = facts.DefaultSpec();
        spec.Hypervisor = vm.Hypervisor ?? spec.Hypervisor;
        spec.Os = vm.Os;
        spec.Vcpus = vm.Vcpus ?? spec.Vcpus;
        spec.MaxMemoryMiB = vm.MaxMemoryMiB ?? spec.MaxMemoryMiB;
        spec.MinMemoryMiB = vm.MinMemoryMiB ?? spec.MaxMemoryMiB;
        spec.DiskTemplate = vm.DiskTemplate ?? spec.DiskTemplate;
        spec.Disks = [.. vm.Disks.Select(d => new DiskSpec { SizeMiB = d.SizeMiB })];
        spec.Nics = [.. vm.Nics.Select(n => string.IsNullOrEmpty(n.Network) ? new NicSpec { Mode = n.Mode, Link = n.Link } : new NicSpec { Network = n.Network })];
        spec.Start = vm.AdminState != "down";
        Dictionary<string, JsonElement> hv;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(vm.HvParams) ? "{}" : vm.HvParams);
            hv = doc.RootElement.ValueKind == JsonValueKind.Object
                ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
                : [];
        }
        catch (JsonException)
        {
            hv = [];
        }

        spec.Hv = HvFields.FromParams(spec.Hypervisor, hv, facts.HvDefaultsOf(spec.Hypervisor));
        return spec;
    }

    private async Task<TemplateResult> SaveAsync(AppDbContext db, VmTemplate template, string message, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return TemplateResult.Refused("That name is taken.", new ValidationFailure(nameof(TemplateForm.Name), $"The cluster already has a template named \"{template.Name}\"."));
        }

        liveUpdates.Publish(new TemplatesChanged(template.ClusterId));
        return new TemplateResult(true, message, template.Id, []);
    }

    private sealed record Found(VmTemplate? Template, string? ClusterSlug, Guid? UserId, TemplateResult? Refusal);

    /// <summary>The template, if it exists and the user may change templates of its cluster (a refusal is audited).</summary>
    private async Task<Found> AuthorizeAsync(ClaimsPrincipal user, long templateId, string action, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var template = await db.VmTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == templateId, ct);
        if (template is null)
        {
            await audit.RecordRefusalAsync(user, action, null, $"no template #{templateId}", ct);
            return new Found(null, null, null, TemplateResult.Refused("The template no longer exists."));
        }

        if (!await guard.AllowsAsync(user, new ClusterResource(template.ClusterId), ClusterOperation.CreateVm, action, ct))
        {
            return new Found(null, null, null, TemplateResult.Refused("Templates of this cluster are for those who may create virtual machines there."));
        }

        var slug = await db.Clusters.Where(c => c.Id == template.ClusterId).Select(c => c.Slug).SingleAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        return new Found(template, slug, scope.UserId, null);
    }

    private async Task<bool> NameInUseAsync(int clusterId, string name, long? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.VmTemplates.AnyAsync(t => t.ClusterId == clusterId && t.Name == name && t.Id != except, ct);
    }

    private static bool MayUse(AccessScope scope, int clusterId) =>
        scope.IsAuthenticated && (scope.IsSuperuser || AccessRules.HasOnCluster(scope, clusterId, ClusterPermissions.CreateVm));

    private static Domain.Audit.AuditEntry Entry(ClaimsPrincipal user, string action, int clusterId, string clusterSlug, string templateName)
    {
        var entry = AuditEntries.By(user, action);
        entry.ClusterId = clusterId;
        entry.ClusterSlug = clusterSlug;
        entry.Reason = $"template \"{templateName}\"";
        return entry;
    }

    private static TemplateRow ToRow(VmTemplate t, string slug)
    {
        var spec = VmSpec.FromJson(t.Spec) ?? new VmSpec();
        return new TemplateRow(t.Id, t.ClusterId, slug, t.Name, t.Description, spec.Os, spec.Hypervisor, spec.Vcpus, spec.MaxMemoryMiB, spec.DiskTotalMiB,
            spec.DiskTemplate, t.CreatedByName, t.UpdatedAt);
    }
}
