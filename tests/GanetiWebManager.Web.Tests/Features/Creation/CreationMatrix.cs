using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Templates;
using GanetiWebManager.Web.Features.Creation;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Tests.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Creation;

/// <summary>
/// What the authorization matrix's create and template rows work on: a valid create form for the matrix cluster, and a
/// template per VM (seeded before any row runs, so that a refused change can be proven to change nothing).
/// </summary>
internal static class CreationMatrix
{
    public static string TemplateName(long vmId) => $"tpl-{vmId}";

    public static async Task SeedTemplatesAsync(AuthorizationMatrixTests.World world)
    {
        await using var db = await world.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == world.Cluster.Id);
        var facts = await CreateVmService.FactsAsync(db, cluster, default);
        var spec = Spec(facts, world.NodeName).ToJson();
        var now = TimeProvider.System.GetUtcNow();
        foreach (var vmId in await db.VirtualMachines.Select(v => v.Id).ToListAsync())
        {
            db.VmTemplates.Add(new VmTemplate { ClusterId = cluster.Id, Name = TemplateName(vmId), Spec = spec, CreatedAt = now, UpdatedAt = now });
        }

        await db.SaveChangesAsync();
    }

    public static async Task<long> TemplateIdAsync(AuthorizationMatrixTests.World world, long vmId)
    {
        await using var db = await world.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.VmTemplates.Where(t => t.Name == TemplateName(vmId)).Select(t => t.Id).SingleAsync();
    }

    /// <summary>A failed create of a name no VM has, submitted by nobody in the matrix: only the cluster's admins see it.</summary>
    public static async Task<long> CreateJobAsync(AuthorizationMatrixTests.World world, long vmId)
    {
        await using var db = await world.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var request = new GanetiWebManager.Rapi.Requests.CreateInstanceRequest
        {
            Name = $"mxfailed{vmId}", DiskTemplate = "diskless", OsType = "noop", PrimaryNode = world.NodeName,
            Tags = ["gwm:owner:user:bystander"],
        };
        var job = new GanetiWebManager.Web.Domain.Jobs.Job
        {
            ClusterId = world.Cluster.Id,
            Operation = GanetiWebManager.Web.Domain.Jobs.JobOperations.InstanceCreate,
            Request = new GanetiWebManager.Web.Features.VirtualMachines.Actions.CreateInstance(request).ToJson(),
            Source = GanetiWebManager.Web.Domain.Jobs.JobSource.Portal,
            Submission = GanetiWebManager.Web.Domain.Jobs.JobSubmission.Submitted,
            TargetKind = GanetiWebManager.Web.Domain.Jobs.JobTargetKind.VirtualMachine,
            TargetName = request.Name,
            Status = GanetiWebManager.Web.Domain.Jobs.JobStatus.Error,
            ErrorMessage = "failed",
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    }

    public static async Task<CreateVmForm> FormAsync(AuthorizationMatrixTests.World world, ClaimsPrincipal user, long vmId)
    {
        await using var db = await world.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == world.Cluster.Id);
        var facts = await CreateVmService.FactsAsync(db, cluster, default);
        var owners = await world.Get<PersonaService>().AllowedOwnersAsync(user, cluster.Id);
        return new CreateVmForm
        {
            ClusterId = cluster.Id,
            CreateVm = true,
            // Someone who may create as nobody still asks as themself (or as a made-up user when signed out).
            OwnerKey = owners.Count > 0 ? owners[0].Key : QuotaOwner.User(Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.NewGuid()).ToString(),
            InstanceName = $"mxnew{vmId}",
            Spec = Spec(facts, world.NodeName),
        };
    }

    private static VmSpec Spec(CreateClusterFacts facts, string node)
    {
        var spec = facts.DefaultSpec();
        spec.Os = "noop";
        spec.DiskTemplate = "diskless";
        spec.Disks = [];
        spec.UseIallocator = false;
        spec.PrimaryNode = node;
        spec.Start = false;
        return spec;
    }
}
