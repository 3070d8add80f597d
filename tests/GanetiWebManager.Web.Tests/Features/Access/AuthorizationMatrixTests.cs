using System.Reflection;
using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Access.Grants;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Import;
using GanetiWebManager.Web.Features.Search;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Creation;
using GanetiWebManager.Web.Tests.Features.Creation;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Nodes;
using GanetiWebManager.Web.Features.Overview;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QuotaFeature = GanetiWebManager.Web.Features.Quotas;
using Xunit.Abstractions;

namespace GanetiWebManager.Web.Tests.Features.Access;

/// <summary>Who acts, in the authorization matrix (issue 4 §5).</summary>
public enum Persona
{
    Anonymous,
    WithoutPermission,
    Directly,
    ThroughGroup,
    Owner,
    OwnerOfLockedVm,
    ClusterAdmin,
    Superuser,
}

/// <summary>
/// The authorization matrix: every public method of the feature services, found by reflection (a new one without a
/// row fails <see cref="EveryServiceMethod_HasARow"/>), called by each <see cref="Persona"/> against a fake cluster,
/// and compared with what product-spec §3 allows. Each (row, persona) gets a VM of its own, so one persona's
/// allowed action never makes the next one's fail for another reason. A refused change is proven three ways: no
/// request reached the fake RAPI, no row of any table changed except the audit log, and exactly one audit entry
/// records the refusal. A refused read returns nothing of the object.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.World world, ITestOutputHelper output)
    : IClassFixture<AuthorizationMatrixTests.World>
{
    private static readonly Persona[] Everyone = Enum.GetValues<Persona>();
    private static readonly Persona[] SeeVm = [Persona.Directly, Persona.ThroughGroup, Persona.Owner, Persona.OwnerOfLockedVm, Persona.ClusterAdmin, Persona.Superuser];
    private static readonly Persona[] ActOnVm = [Persona.Directly, Persona.ThroughGroup, Persona.Owner, Persona.ClusterAdmin, Persona.Superuser];
    private static readonly Persona[] ClusterRole = [Persona.Directly, Persona.ThroughGroup, Persona.ClusterAdmin, Persona.Superuser];
    private static readonly Persona[] SuperuserOnly = [Persona.Superuser];
    private static readonly Persona[] GroupAdmins = [Persona.Directly, Persona.ThroughGroup, Persona.Superuser];
    private static readonly Persona[] SignedIn = [.. Everyone.Except([Persona.Anonymous])];

    /// <summary>One service method and who may call it successfully.</summary>
    public sealed record Row(
        string Method,
        Persona[] Allowed,
        VmPermissions VmGrant = VmPermissions.None,
        ClusterPermissions ClusterGrant = ClusterPermissions.None,
        GroupPermissions GroupGrant = GroupPermissions.None,
        bool Mutates = false,
        Func<World, Case, Task<bool>>? Invoke = null,
        string? CoveredBy = null);

    /// <summary>What one persona's call works on.</summary>
    public sealed record Case(Persona Persona, ClaimsPrincipal User, long VmId, string VmName, long JobId)
    {
        /// <summary>A user made for this case only (to disable, delete, put in a group...).</summary>
        public Guid SpareUserId { get; init; }

        /// <summary>A self-registered user waiting for approval, for this case only.</summary>
        public Guid WaitingUserId { get; init; }

        /// <summary>A group made for this case only (to delete).</summary>
        public int SpareGroupId { get; init; }

        /// <summary>An SSH key of the acting user (0 for the anonymous visitor).</summary>
        public long OwnKeyId { get; init; }
    }

    private static readonly Row[] Matrix =
    [
        new("VirtualMachineQueries.GetAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => await w.Get<VirtualMachineQueries>().GetAsync(c.User, World.Slug, c.VmName, default) is not null),
        new("VirtualMachineQueries.ListAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<VirtualMachineQueries>().ListAsync(c.User, new VmQuery { Search = c.VmName }, default)).Rows.Any(r => r.Id == c.VmId)),
        new("VirtualMachineQueries.GetFilterOptionsAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<VirtualMachineQueries>().GetFilterOptionsAsync(c.User, null, default)).Clusters.Any(o => o.Slug == World.Slug)),
        new("ClusterQueries.ListAsync", SeeVm, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<ClusterQueries>().ListAsync(c.User, default)).Any(s => s.Slug == World.Slug)),
        new("ClusterQueries.ListOptionsAsync", SeeVm, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<ClusterQueries>().ListOptionsAsync(c.User, default)).Any(o => o.Slug == World.Slug)),
        new("ClusterQueries.GetAsync", SeeVm, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => await w.Get<ClusterQueries>().GetAsync(c.User, World.Slug, default) is not null),
        new("ClusterQueries.ListErrorsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<ClusterQueries>().ListErrorsAsync(c.User, w.Cluster.Id, includeCleared: true, 10, default)).Count > 0),
        new("NodeQueries.ListAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate,
            Invoke: async (w, c) => (await w.Get<NodeQueries>().ListAsync(c.User, World.Slug, 1, 50, default)).Total > 0),
        new("NodeQueries.GetAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate,
            Invoke: async (w, c) => await w.Get<NodeQueries>().GetAsync(c.User, World.Slug, w.NodeName, default) is not null),
        new("JobQueries.ListAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<JobQueries>().ListAsync(c.User, new JobQuery { VirtualMachineId = c.VmId }, default)).Rows.Any(r => r.Id == c.JobId)),
        new("JobQueries.GetAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => await w.Get<JobQueries>().GetAsync(c.User, c.JobId, default) is not null),
        new("OverviewQueries.GetAsync", SeeVm, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<OverviewQueries>().GetAsync(c.User, default)).Clusters.Any(s => s.Slug == World.Slug)),
        new("VmPowerService.StartAsync", ActOnVm, VmGrant: VmPermissions.Power, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmPowerService>().StartAsync(c.User, c.VmId)).Outcome != VmActionOutcome.Refused),
        new("VmPowerService.ShutdownAsync", ActOnVm, VmGrant: VmPermissions.Power, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmPowerService>().ShutdownAsync(c.User, c.VmId, ShutdownKind.Immediate)).Outcome != VmActionOutcome.Refused),
        new("VmPowerService.RebootAsync", ActOnVm, VmGrant: VmPermissions.Power, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmPowerService>().RebootAsync(c.User, c.VmId, RebootKind.Hard)).Outcome != VmActionOutcome.Refused),
        new("VmPowerService.GetStateAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => await w.Get<VmPowerService>().GetStateAsync(c.User, c.VmId) is not null),
        new("ClusterHealthReader.ReadAllAsync", Everyone,
            CoveredBy: "takes no user: it feeds /healthz, whose per-cluster details only superusers or the health token get (the Health endpoint tests)"),
        new("JobReader.LatestForVmAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<JobReader>().LatestForVmAsync(c.User, c.VmId))?.Id == c.JobId),
        new("ClusterQueries.HealthOf", Everyone,
            CoveredBy: "pure: turns sync state a caller already read (and was allowed to) into a banner; takes no user, reads nothing"),
        new("VmActionRunner.RunAsync", ActOnVm, VmGrant: VmPermissions.Power, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmActionRunner>().RunAsync(c.User, c.VmId, Web.Features.Access.VmOperation.Power, "vm.start", vm => new StartInstance(vm.Name))).Outcome != VmActionOutcome.Refused),
        // Reparenting: the cluster's admins only; a VM's own admins (its owner) may not give it away.
        new("VmOwnerService.ChangeOwnerAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmOwnerService>().ChangeOwnerAsync(c.User, c.VmId, PrincipalRef.User(w.Bystander.Id), false, default)).Succeeded),
        new("GrantService.ListAsync", ActOnVm, VmGrant: VmPermissions.Admin,
            Invoke: async (w, c) => await w.Get<GrantService>().ListAsync(c.User, GrantObject.OfVm(c.VmId, c.VmName), default) is not null),
        new("GrantService.SetAsync", ActOnVm, VmGrant: VmPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<GrantService>().SetAsync(c.User, GrantObject.OfVm(c.VmId, c.VmName), PrincipalRef.User(w.Bystander.Id), (int)VmPermissions.Tags, default)).Succeeded),
        // The console: power on the VM (a locked VM leaves its owner only the view). The fake has no VNC console for
        // its instances, so an allowed caller gets past the permission check to "unavailable", not a refusal.
        new("ConsoleService.FindAsync", ActOnVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => await w.Get<Web.Features.Console.ConsoleService>().FindAsync(c.User, World.Slug, c.VmName, default) is not null),
        new("ConsoleService.OpenAsync", ActOnVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => !(await w.Get<Web.Features.Console.ConsoleService>().OpenAsync(c.User, c.VmId, default)).Refused),
        // Exact names only for users who cannot list everyone (a VM owner granting on their VM); signed-out: nothing.
        // Quotas (issue 4 §4): the tab and its changes are the cluster admins'; refusals are audited by AccessGuard.
        new("QuotaAdminService.SetOverrideAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.QuotaAdminService>().SetOverrideAsync(c.User, w.Cluster.Id, QuotaFeature.QuotaOwner.User(w.Bystander.Id), new QuotaFeature.QuotaValues(1024, null, 2), default)).Succeeded),
        new("QuotaAdminService.ResetAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.QuotaAdminService>().ResetAsync(c.User, w.Cluster.Id, QuotaFeature.QuotaOwner.User(w.Bystander.Id), default)).Succeeded),
        new("QuotaAdminService.SetDefaultAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.QuotaAdminService>().SetDefaultAsync(c.User, w.Cluster.Id, new QuotaFeature.QuotaValues(null, null, null), default)).Succeeded),
        new("QuotaQueries.GetClusterQuotasAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => await w.Get<QuotaFeature.QuotaQueries>().GetClusterQuotasAsync(c.User, w.Cluster.Id, default) is not null),
        new("QuotaQueries.PrincipalsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.QuotaQueries>().PrincipalsAsync(c.User, default)).Count > 0),
        // A persona's usage on a cluster: shown where the user sees the cluster and the persona owns or may create something.
        new("QuotaQueries.PersonaUsageAsync", SeeVm, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.QuotaQueries>().PersonaUsageAsync(c.User, default)).Any(p => p.Clusters.Any(u => u.ClusterId == w.Cluster.Id))),
        // Personas (product-spec §4): themself with a direct grant, their groups with one; superusers anyone.
        new("PersonaService.AllowedOwnersAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<QuotaFeature.PersonaService>().AllowedOwnersAsync(c.User, w.Cluster.Id, default)).Count > 0),
        new("PersonaService.MayActAsAsync", [Persona.Superuser], ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => await w.Get<QuotaFeature.PersonaService>().MayActAsAsync(c.User, w.Cluster.Id, QuotaFeature.QuotaOwner.User(w.Bystander.Id), default)),
        new("PersonaService.DashboardPersonasAsync", [.. Everyone.Except([Persona.Anonymous])],
            Invoke: async (w, c) => (await w.Get<QuotaFeature.PersonaService>().DashboardPersonasAsync(c.User, default)).Count > 0),
        new("QuotaService.TryReserveAsync", Everyone,
            CoveredBy: "decides the quota only: its callers (VmActionRunner, the create paths) check the action's permission first; QuotaServiceTests, QuotaStartTests, QuotaRaceTests"),
        new("QuotaService.ReserveForCreateAsync", Everyone,
            CoveredBy: "as TryReserveAsync: the create service checks create_vm and the persona (PersonaService.MayActAsAsync) before reserving"),
        new("QuotaService.ReleaseAsync", Everyone,
            CoveredBy: "takes a hold only a granted reservation returns; releases what its own caller reserved"),
        new("GrantService.SearchPrincipalsAsync", [.. Everyone.Except([Persona.Anonymous])],
            Invoke: async (w, c) => (await w.Get<GrantService>().SearchPrincipalsAsync(c.User, w.Bystander.UserName, default)).Count > 0),
        // Accounts (issue 4 §1): superusers manage users; a group's admins (a group grant, direct or through a
        // group) manage that group's members and admins; everyone signed in manages their own profile.
        new("UserAdminService.SearchAsync", SuperuserOnly,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().SearchAsync(c.User, new(), default)).Total > 0),
        new("UserAdminService.GetAsync", SuperuserOnly,
            Invoke: async (w, c) => await w.Get<Web.Features.Accounts.Admin.UserAdminService>().GetAsync(c.User, w.Bystander.Id, default) is not null),
        new("UserAdminService.AllGroupsAsync", SuperuserOnly,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().AllGroupsAsync(c.User, default)).Count > 0),
        new("UserAdminService.CreateAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().CreateAsync(c.User, new() { UserName = $"new-{c.VmId}", Password = "a long enough password" }, default)).Succeeded),
        new("UserAdminService.UpdateAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().UpdateAsync(c.User, w.Bystander.Id, new() { Email = $"b{c.VmId}@example.invalid" }, default)).Succeeded),
        new("UserAdminService.SetDisabledAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().SetDisabledAsync(c.User, c.SpareUserId, true, default)).Succeeded),
        new("UserAdminService.DeleteAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().DeleteAsync(c.User, c.SpareUserId, default)).Succeeded),
        new("UserAdminService.ApproveAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().ApproveAsync(c.User, c.WaitingUserId, default)).Succeeded),
        new("UserAdminService.RejectAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().RejectAsync(c.User, c.WaitingUserId, default)).Succeeded),
        new("UserAdminService.SetGroupsAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().SetGroupsAsync(c.User, c.SpareUserId, [w.TargetGroup.Id], default)).Succeeded),
        new("UserAdminService.IssueResetLinkAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Admin.UserAdminService>().IssueResetLinkAsync(c.User, c.SpareUserId, "http://portal.invalid/", default)).Succeeded),
        new("GroupAdminService.ListAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().ListAsync(c.User, new(Search: w.TargetGroup.Slug), default)).Rows.Any(g => g.Id == w.TargetGroup.Id)),
        // "The groups I administer": held admin grants only (a superuser manages every group, but administers none of them).
        new("GroupAdminService.ManagedByAsync", [Persona.Directly, Persona.ThroughGroup], GroupGrant: GroupPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().ManagedByAsync(c.User, default)).Any(g => g.Id == w.TargetGroup.Id)),
        new("GroupAdminService.GetAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin,
            Invoke: async (w, c) => await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().GetAsync(c.User, w.TargetGroup.Id, default) is not null),
        new("GroupAdminService.FindUsersAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().FindUsersAsync(c.User, w.TargetGroup.Id, w.Bystander.UserName, default)).Count > 0),
        new("GroupAdminService.CreateAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().CreateAsync(c.User, new() { Slug = $"g{c.VmId}", Name = $"G {c.VmId}" }, default)).Succeeded),
        new("GroupAdminService.UpdateAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().UpdateAsync(c.User, w.TargetGroup.Id, new() { Slug = w.TargetGroup.Slug, Name = $"Target {c.VmId}", ExistingId = w.TargetGroup.Id }, default)).Succeeded),
        new("GroupAdminService.DeleteAsync", SuperuserOnly, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().DeleteAsync(c.User, c.SpareGroupId, default)).Succeeded),
        new("GroupAdminService.SetMembersAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().SetMembersAsync(c.User, w.TargetGroup.Id, [w.Bystander.Id, c.SpareUserId], default)).Succeeded),
        new("GroupAdminService.SetAdminsAsync", GroupAdmins, GroupGrant: GroupPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Groups.GroupAdminService>().SetAdminsAsync(c.User, w.TargetGroup.Id, [w.Bystander.Id], default)).Succeeded),
        new("ProfileService.GetAsync", SignedIn,
            Invoke: async (w, c) => await w.Get<Web.Features.Accounts.Profile.ProfileService>().GetAsync(c.User, default) is not null),
        new("ProfileService.SetEmailAsync", SignedIn, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Profile.ProfileService>().SetEmailAsync(c.User, new() { Email = $"p{c.VmId}@example.invalid" }, default)).Succeeded),
        new("ProfileService.AddSshKeyAsync", SignedIn, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Profile.ProfileService>().AddSshKeyAsync(c.User, new() { Text = World.Ed25519Key(c.VmId) }, default)).Succeeded),
        new("ProfileService.RemoveSshKeyAsync", SignedIn, Mutates: true,
            Invoke: async (w, c) => (await w.Get<Web.Features.Accounts.Profile.ProfileService>().RemoveSshKeyAsync(c.User, c.OwnKeyId, default)).Succeeded),
        new("PasswordService.ChangeAsync", SignedIn,
            CoveredBy: "AccountPagesFlowTests: a user changes only their own password, over HTTP, and must give the current one"),
        new("PasswordService.ResetAsync", Everyone,
            CoveredBy: "takes no user by design (the reset link's single-use token is the authority); AccountPagesFlowTests"),
        new("PasswordService.IsLinkValidAsync", Everyone,
            CoveredBy: "takes no user by design (checks a reset token); AccountPagesFlowTests"),
        new("RegistrationService.RegisterAsync", Everyone,
            CoveredBy: "anonymous by design when Accounts:SelfRegistration is on; the account waits for approval (AccountPagesFlowTests)"),
        // --- i5-actions ---
        // A call counts as allowed when it got past the permission check: an allowed caller may still be stopped by
        // the VM's state, disk template or input (those refusals never start with "You do not have"), and the
        // inputs below are chosen so that nothing is sent that would change the fake cluster for later rows.
        new("VmManageService.GetStateAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => await w.Get<VmManageService>().GetStateAsync(c.User, c.VmId) is not null),
        new("VmManageService.PreviewModifyAsync", ActOnVm, VmGrant: VmPermissions.Modify,
            Invoke: async (w, c) => await w.Get<VmManageService>().PreviewModifyAsync(c.User, c.VmId, new VmModification { MemoryMiB = 1024 }) is not null),
        new("VmManageService.ModifyAsync", ActOnVm, VmGrant: VmPermissions.Modify, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().ModifyAsync(c.User, c.VmId, new VmModification { MemoryMiB = 32 }, rebootAfter: false))),
        new("VmManageService.RenameAsync", ActOnVm, VmGrant: VmPermissions.Modify, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().RenameAsync(c.User, c.VmId, c.VmName, false, false))),
        new("VmManageService.ReinstallAsync", ActOnVm, VmGrant: VmPermissions.Remove, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().ReinstallAsync(c.User, c.VmId, "not an os!", start: false))),
        new("VmManageService.DeleteAsync", ActOnVm, VmGrant: VmPermissions.Remove, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().DeleteAsync(c.User, c.VmId, c.VmName + "-not-typed"))),
        new("VmManageService.AddTagsAsync", ActOnVm, VmGrant: VmPermissions.Tags, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().AddTagsAsync(c.User, c.VmId, ["matrix-tag"]))),
        new("VmManageService.RemoveTagsAsync", ActOnVm, VmGrant: VmPermissions.Tags, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().RemoveTagsAsync(c.User, c.VmId, ["matrix-tag-absent"]))),
        new("VmManageService.SetNotesAsync", ActOnVm, VmGrant: VmPermissions.Modify, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmManageService>().SetNotesAsync(c.User, c.VmId, $"notes of {c.Persona}")).Succeeded),
        // Migrate, failover and replace disks are cluster permissions (product-spec §3); the lock binds owners only.
        new("VmManageService.MigrateAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().MigrateAsync(c.User, c.VmId, live: true, targetNode: "no-such-node"))),
        new("VmManageService.FailoverAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().FailoverAsync(c.User, c.VmId, targetNode: "no-such-node"))),
        new("VmManageService.ReplaceDisksAsync", ClusterRole, ClusterGrant: ClusterPermissions.ReplaceDisks, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<VmManageService>().ReplaceDisksAsync(c.User, c.VmId, Rapi.Requests.ReplaceDisksMode.ReplaceNewSecondary, w.NodeName))),
        new("VmManageService.SetLockedAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<VmManageService>().SetLockedAsync(c.User, c.VmId, true)).Succeeded),
        new("VmBulkService.RunAsync", ActOnVm, VmGrant: VmPermissions.Remove, Mutates: true,
            Invoke: async (w, c) => PastPermission((await w.Get<VmBulkService>().RunAsync(c.User, [c.VmId], BulkVmAction.Delete, []))[0])),
        new("VirtualMachineQueries.MatchingIdsAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<VirtualMachineQueries>().MatchingIdsAsync(c.User, new VmQuery { Search = c.VmName }, default)).Ids.Contains(c.VmId)),
        new("NodeActionService.SetRoleAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Nodes.Actions.NodeActionService>().SetRoleAsync(c.User, await w.NodeIdAsync(), w.NodeRoleNow))),
        new("NodeActionService.MigrateAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Nodes.Actions.NodeActionService>().MigrateAsync(c.User, await w.NodeIdAsync(), live: true, targetNode: w.NodeName))),
        new("NodeActionService.EvacuateAsync", ClusterRole, ClusterGrant: ClusterPermissions.Migrate, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Nodes.Actions.NodeActionService>().EvacuateAsync(c.User, await w.NodeIdAsync(), Rapi.Requests.NodeEvacuationMode.All, null))),
        new("ClusterActionService.RefreshAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Clusters.Actions.ClusterActionService>().RefreshAsync(c.User, w.Cluster.Id))),
        new("ClusterActionService.RedistributeConfigAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Clusters.Actions.ClusterActionService>().RedistributeConfigAsync(c.User, w.Cluster.Id))),
        new("ClusterActionService.AddTagsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Tags, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Clusters.Actions.ClusterActionService>().AddTagsAsync(c.User, w.Cluster.Id, ["gwm:owner:not-editable"]))),
        new("ClusterActionService.RemoveTagsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Tags, Mutates: true,
            Invoke: async (w, c) => PastPermission(await w.Get<Web.Features.Clusters.Actions.ClusterActionService>().RemoveTagsAsync(c.User, w.Cluster.Id, ["matrix-absent-tag"]))),
        // --- end i5-actions ---
        // --- i5-import ---
        // Import tools (product-spec §9): the cluster's admins, superusers anywhere. "Allowed" = not refused: a VM that is not
        // missing is kept (skipped), which proves the permission check passed without removing anything.
        new("ImportQueries.ClustersAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<ImportQueries>().ClustersAsync(c.User, default)).Any(x => x.Id == w.Cluster.Id)),
        new("ImportQueries.CountsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => await w.Get<ImportQueries>().CountsAsync(c.User, default) is { Orphans: > 0 }),
        new("ImportQueries.OrphansAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<ImportQueries>().OrphansAsync(c.User, w.Cluster.Id, 1, 200, default)).Total > 0),
        new("ImportQueries.MissingVmsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            CoveredBy: "the same cluster filter as OrphansAsync (one private method); ImportServiceTests: scoped to administered clusters"),
        new("ImportQueries.MissingNodesAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            CoveredBy: "the same cluster filter (ImportQueries.Administered); ImportServiceTests: a non-admin sees no missing node"),
        new("ImportService.AdoptAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<ImportService>().AdoptAsync(c.User, [c.VmId], PrincipalRef.User(w.Bystander.Id), false, default)).Single().Outcome is ImportOutcome.Done or ImportOutcome.Skipped),
        new("ImportService.RemoveMissingVmsAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<ImportService>().RemoveMissingVmsAsync(c.User, [c.VmId], default)).Single().Outcome != ImportOutcome.Refused),
        new("ImportService.RemoveMissingNodesAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin, Mutates: true,
            Invoke: async (w, c) => (await w.Get<ImportService>().RemoveMissingNodesAsync(c.User, [await w.NodeIdAsync()], default)).Single().Outcome != ImportOutcome.Refused),
        // The audit log (product-spec §11): a cluster's entries to its admins; the row's entry is a refusal by the bystander.
        new("AuditQueries.ListAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) => (await w.Get<AuditQueries>().ListAsync(c.User, new AuditQuery { ClusterId = w.Cluster.Id, Actor = "bystander" }, default)).Total > 0),
        new("AuditQueries.ExportCsvAsync", ClusterRole, ClusterGrant: ClusterPermissions.Admin,
            Invoke: async (w, c) =>
            {
                using var csv = new StringWriter();
                return await w.Get<AuditQueries>().ExportCsvAsync(c.User, new AuditQuery { ClusterId = w.Cluster.Id, Actor = "bystander" }, csv, default) > 0;
            }),
        // Search: a VM by its name, for those who may see the VM; never for the others.
        new("SearchQueries.SuggestAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<SearchQueries>().SuggestAsync(c.User, c.VmName, default)).Any(h => h.Kind == SearchKind.VirtualMachine && h.Label == c.VmName)),
        new("SearchQueries.SearchAsync", SeeVm, VmGrant: VmPermissions.Power,
            Invoke: async (w, c) => (await w.Get<SearchQueries>().SearchAsync(c.User, c.VmName, default)).SelectMany(g => g.Hits).Any(h => h.Label == c.VmName)),
        // --- i5-create ---
        // The create wizard and templates (issue 5 §1–§2): create_vm or cluster admin on the cluster (superusers all);
        // the owner is the first allowed persona (a VM owner without a cluster grant has none and asks as themself).
        new("CreateVmService.ListClustersAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<CreateVmService>().ListClustersAsync(c.User, default)).Any(x => x.Id == w.Cluster.Id)),
        new("CreateVmService.GetOptionsAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => await w.Get<CreateVmService>().GetOptionsAsync(c.User, w.Cluster.Id, null, default) is not null),
        new("CreateVmService.CreateAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm, Mutates: true,
            Invoke: async (w, c) => (await w.Get<CreateVmService>().CreateAsync(c.User, await CreationMatrix.FormAsync(w, c.User, c.VmId), default)).Succeeded),
        new("CreateVmService.GetProgressAsync", [Persona.ClusterAdmin, Persona.Superuser],
            Invoke: async (w, c) => await w.Get<CreateVmService>().GetProgressAsync(c.User, await CreationMatrix.CreateJobAsync(w, c.VmId), default) is not null),
        new("CreateVmService.RetryFormAsync", [Persona.ClusterAdmin, Persona.Superuser],
            Invoke: async (w, c) => await w.Get<CreateVmService>().RetryFormAsync(c.User, await CreationMatrix.CreateJobAsync(w, c.VmId), default) is not null),
        new("TemplateService.ListAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => (await w.Get<TemplateService>().ListAsync(c.User, w.Cluster.Id, default)).Any(t => t.Name == CreationMatrix.TemplateName(c.VmId))),
        new("TemplateService.GetAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm,
            Invoke: async (w, c) => await w.Get<TemplateService>().GetAsync(c.User, await CreationMatrix.TemplateIdAsync(w, c.VmId), default) is not null),
        new("TemplateService.UpdateAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm, Mutates: true,
            Invoke: async (w, c) =>
            {
                var id = await CreationMatrix.TemplateIdAsync(w, c.VmId);
                var form = await CreationMatrix.FormAsync(w, c.User, c.VmId);
                return (await w.Get<TemplateService>().UpdateAsync(c.User, id, new TemplateForm { Name = $"tpl-edited-{c.VmId}", Spec = form.Spec }, default)).Succeeded;
            }),
        new("TemplateService.CopyAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm, Mutates: true,
            Invoke: async (w, c) => (await w.Get<TemplateService>().CopyAsync(c.User, await CreationMatrix.TemplateIdAsync(w, c.VmId), $"tpl-copy-{c.VmId}", null, default)).Succeeded),
        new("TemplateService.DeleteAsync", ClusterRole, ClusterGrant: ClusterPermissions.CreateVm, Mutates: true,
            Invoke: async (w, c) => (await w.Get<TemplateService>().DeleteAsync(c.User, await CreationMatrix.TemplateIdAsync(w, c.VmId), default)).Succeeded),
        // From a VM: seeing the VM (a grant on it) and create_vm on its cluster; a VM owner without create_vm may not.
        new("TemplateService.FromVmAsync", ClusterRole, VmGrant: VmPermissions.Power, ClusterGrant: ClusterPermissions.CreateVm, Mutates: true,
            Invoke: async (w, c) => (await w.Get<TemplateService>().FromVmAsync(c.User, c.VmId, $"tpl-from-{c.VmId}", null, default)).Succeeded),
    ];

    /// <summary>Whether an action got past its permission check (see the i5-actions rows).</summary>
    private static bool PastPermission(VmActionResult result) =>
        result.Outcome != VmActionOutcome.Refused || !result.Message.StartsWith("You do not have", StringComparison.Ordinal);

    private static bool PastPermission(BulkVmLine line) =>
        line.Outcome != VmActionOutcome.Refused || !line.Message.StartsWith("You do not have", StringComparison.Ordinal);

    /// <summary>The feature services whose public methods the matrix must cover.</summary>
    internal static IEnumerable<MethodInfo> ServiceMethods() =>
        typeof(VirtualMachineQueries).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsPublic: true, IsAbstract: false }
                && t.Namespace?.StartsWith("GanetiWebManager.Web.Features", StringComparison.Ordinal) == true
                && (t.Name.EndsWith("Service", StringComparison.Ordinal) || t.Name.EndsWith("Queries", StringComparison.Ordinal)
                    || t.Name.EndsWith("Runner", StringComparison.Ordinal) || t.Name.EndsWith("Reader", StringComparison.Ordinal))
                && !typeof(Microsoft.AspNetCore.Components.IComponent).IsAssignableFrom(t)
                && !typeof(Microsoft.Extensions.Hosting.IHostedService).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName);

    /// <summary>Services checked by tests of their own (they take the circuit's user, not a parameter).</summary>
    private static readonly Dictionary<string, string> CoveredElsewhere = new()
    {
        ["ClusterRegistryService"] = "ClusterRegistryServiceTests (superusers only; refusals audited through AccessGuard)",
    };

    [Fact]
    public void EveryServiceMethod_HasARow()
    {
        var rows = Matrix.Select(r => r.Method).ToHashSet();
        var missing = ServiceMethods()
            .Where(m => !CoveredElsewhere.ContainsKey(m.DeclaringType!.Name))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .Distinct()
            .Where(name => !rows.Contains(name))
            .Order()
            .ToList();

        missing.ShouldBeEmpty("every public method of a feature service needs a row in the authorization matrix (who may call it)");
        Matrix.Select(r => r.Method).ShouldBeUnique();
    }

    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var row in Matrix.Where(r => r.Invoke is not null))
        {
            data.Add(row.Method);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Method_EachPersona_AllowedExactlyAsTheSpecSays(string method)
    {
        var row = Matrix.Single(r => r.Method == method);
        List<string> wrong = [];
        foreach (var persona in Everyone)
        {
            var c = await world.PrepareAsync(row, persona);
            var requestsBefore = world.Fake.RequestLog.Count;
            var tablesBefore = await world.TableVersionsAsync();
            var auditBefore = await world.AuditCountAsync();

            var allowed = await row.Invoke!(world, c);

            var expected = row.Allowed.Contains(persona);
            output.WriteLine($"{method,-45} {persona,-17} {(allowed ? "allowed" : "denied"),-8} (expected {(expected ? "allowed" : "denied")})");
            if (allowed != expected)
            {
                wrong.Add($"{persona}: {(allowed ? "allowed" : "denied")}, expected {(expected ? "allowed" : "denied")}");
            }

            if (!allowed && row.Mutates)
            {
                world.Fake.RequestLog.Count.ShouldBe(requestsBefore, $"{persona} was refused {method} yet RAPI was called");
                (await world.TableVersionsAsync()).ShouldBe(tablesBefore, $"{persona} was refused {method} yet rows changed outside the audit log");
                var entries = await world.AuditSinceAsync(auditBefore);
                entries.Count.ShouldBe(1, $"{persona}'s refusal of {method} must be audited exactly once");
                entries[0].Outcome.ShouldBe(AuditOutcome.Refused);
            }

            await world.ResetGrantsAsync();
        }

        wrong.ShouldBeEmpty($"{method}: {string.Join("; ", wrong)}");
    }

    /// <summary>A fake cluster mirrored into the portal, one user per persona, and a VM per (row, persona).</summary>
    public sealed class World : IAsyncLifetime
    {
        public const string Slug = "matrix";
        private readonly Dictionary<Persona, ClaimsPrincipal> _principals = [];
        private readonly Dictionary<Persona, AppUser> _users = [];
        private List<(long Id, string Name)> _vms = [];
        private int _nextVm;
        private TestDatabase _database = null!;
        private ServiceProvider _services = null!;
        private AsyncServiceScope _scope;
        private Group _group = null!;

        public FakeRapiServer Fake { get; private set; } = null!;

        public Cluster Cluster { get; private set; } = null!;

        public AppUser Bystander { get; private set; } = null!;

        public string NodeName { get; private set; } = "";

        /// <summary>The group the group rows act on; its admins come from each row's GroupGrant.</summary>
        public Group TargetGroup { get; private set; } = null!;

        /// <summary>A well-formed ssh-ed25519 public key line, different for each seed.</summary>
        public static string Ed25519Key(long seed)
        {
            static byte[] Field(byte[] value) => [.. BitConverter.GetBytes(value.Length).Reverse(), .. value];
            var point = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(seed));
            var blob = Field(System.Text.Encoding.ASCII.GetBytes("ssh-ed25519")).Concat(Field(point)).ToArray();
            return $"ssh-ed25519 {Convert.ToBase64String(blob)} matrix-{seed}";
        }

        // One scope, like one circuit: the query services are scoped.
        public T Get<T>()
            where T : notnull => _scope.ServiceProvider.GetRequiredService<T>();

        public async Task InitializeAsync()
        {
            Fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 8 * (Matrix.Length + 2), Nodes = 2, JobStepDelay = TimeSpan.FromMilliseconds(10) });
            _database = await TestDatabase.CreateAsync("authzmatrix");
            _services = await PortalServices.CreateAsync(_database);
            _scope = _services.CreateAsyncScope();
            Cluster = await ClusterRegistration.AddAsync(_services, Slug, Fake.BaseUrl, Fake.CertificateSha256, Fake.WriteUser.Name, Fake.WriteUser.Password);
            var sync = await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(Cluster.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);
            sync.Succeeded.ShouldBeTrue(sync.Failure?.Message);

            var build = new InventoryBuilder(Contexts);
            _group = await build.AddGroupAsync("matrix-group", "Matrix group");
            TargetGroup = await build.AddGroupAsync("matrix-target", "Matrix target");
            foreach (var persona in Enum.GetValues<Persona>().Where(p => p != Persona.Anonymous))
            {
                var user = await build.AddUserAsync(persona.ToString().ToLowerInvariant(), superuser: persona == Persona.Superuser);
                _users[persona] = user;
                _principals[persona] = new ClaimsPrincipal(new ClaimsIdentity(
                    [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));
            }

            _principals[Persona.Anonymous] = new ClaimsPrincipal(new ClaimsIdentity());
            Bystander = await build.AddUserAsync("bystander");
            await using var db = await Contexts.CreateDbContextAsync();
            db.GroupMembers.Add(new GroupMember { GroupId = _group.Id, UserId = _users[Persona.ThroughGroup].Id });
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = Cluster.Id, UserId = _users[Persona.ClusterAdmin].Id, Permissions = ClusterPermissions.Admin });
            await db.SaveChangesAsync();
            _vms = await db.VirtualMachines.OrderBy(v => v.Name).Select(v => new ValueTuple<long, string>(v.Id, v.Name)).ToListAsync();
            NodeName = await db.Nodes.Select(n => n.Name).FirstAsync();
            await build.AddErrorAsync(Cluster, ClusterErrorKind.Timeout, "an old timeout", e => e.ClearedAt = build.Now);
            db.AuditLog.Add(new AuditEntry { At = build.Now, ActorUserId = Bystander.Id, ActorName = Bystander.UserName!, Action = "vm.start", Outcome = AuditOutcome.Refused, ClusterId = Cluster.Id, ClusterSlug = Slug });
            await db.SaveChangesAsync();
            await CreationMatrix.SeedTemplatesAsync(this); // i5-create: templates exist before any row measures the tables
        }

        private IDbContextFactory<AppDbContext> Contexts => _services.GetRequiredService<IDbContextFactory<AppDbContext>>();

        /// <summary>
        /// The node the node rows act on, and the role it has now (so a role "change" sends nothing). It is present in
        /// Ganeti, so the import rows' removal of it is always "kept".
        /// </summary>
        public async Task<int> NodeIdAsync()
        {
            await using var db = await Contexts.CreateDbContextAsync();
            var node = await db.Nodes.AsNoTracking().SingleAsync(n => n.Name == NodeName);
            NodeRoleNow = node.Role switch
            {
                NodeRole.Drained => Web.Features.Nodes.Actions.NodeRoleChoice.Drained,
                NodeRole.Offline => Web.Features.Nodes.Actions.NodeRoleChoice.Offline,
                NodeRole.Regular => Web.Features.Nodes.Actions.NodeRoleChoice.Regular,
                _ => Web.Features.Nodes.Actions.NodeRoleChoice.MasterCandidate,
            };
            return node.Id;
        }

        public Web.Features.Nodes.Actions.NodeRoleChoice NodeRoleNow { get; private set; }

        /// <summary>Gives the persona what the row needs on a VM of its own; returns the call's subject.</summary>
        public async Task<Case> PrepareAsync(Row row, Persona persona)
        {
            var (vmId, vmName) = _vms[_nextVm++];
            await using var db = await Contexts.CreateDbContextAsync();
            var vm = await db.VirtualMachines.SingleAsync(v => v.Id == vmId);
            if (persona is Persona.Owner or Persona.OwnerOfLockedVm)
            {
                vm.OwnerUserId = _users[persona].Id;
                vm.IsLocked = persona == Persona.OwnerOfLockedVm;
            }

            if (persona is Persona.Directly or Persona.ThroughGroup)
            {
                Guid? user = persona == Persona.Directly ? _users[persona].Id : null;
                int? group = persona == Persona.ThroughGroup ? _group.Id : null;
                if (row.VmGrant != VmPermissions.None)
                {
                    db.VmGrants.Add(new VmGrant { VirtualMachineId = vmId, UserId = user, GroupId = group, Permissions = row.VmGrant });
                }

                if (row.ClusterGrant != ClusterPermissions.None)
                {
                    db.ClusterGrants.Add(new ClusterGrant { ClusterId = Cluster.Id, UserId = user, GroupId = group, Permissions = row.ClusterGrant });
                }

                if (row.GroupGrant != GroupPermissions.None)
                {
                    db.GroupGrants.Add(new GroupGrant { TargetGroupId = TargetGroup.Id, UserId = user, GroupId = group, Permissions = row.GroupGrant });
                }
            }

            var spare = NewUser($"spare-{_nextVm}", waiting: false);
            var waiting = NewUser($"waiting-{_nextVm}", waiting: true);
            db.Users.AddRange(spare, waiting);
            var spareGroup = new Group { Slug = $"spare-{_nextVm}", Name = $"Spare {_nextVm}", CreatedAt = TimeProvider.System.GetUtcNow() };
            db.Groups.Add(spareGroup);
            SshKey? key = null;
            if (_users.TryGetValue(persona, out var actor))
            {
                // One key per persona at a time: with more rows than ProfileService.MaxKeysPerUser, keys left by
                // earlier rows would make the key rows fail for the wrong reason.
                await db.SshKeys.Where(k => k.UserId == actor.Id).ExecuteDeleteAsync();
                key = new SshKey { UserId = actor.Id, Algorithm = "ssh-ed25519", Blob = Ed25519Key(-_nextVm).Split(' ')[1], Fingerprint = $"SHA256:matrix{_nextVm}", AddedAt = TimeProvider.System.GetUtcNow() };
                db.SshKeys.Add(key);
            }

            var job = new Job
            {
                ClusterId = Cluster.Id,
                VirtualMachineId = vmId,
                Operation = JobOperations.InstanceStartup,
                Source = JobSource.Outside,
                Submission = JobSubmission.Submitted,
                TargetKind = JobTargetKind.VirtualMachine,
                TargetName = vmName,
                Status = JobStatus.Success,
                GanetiJobId = 900_000 + _nextVm,
                CreatedAt = TimeProvider.System.GetUtcNow(),
            };
            db.Jobs.Add(job);
            await db.SaveChangesAsync();
            return new Case(persona, _principals[persona], vmId, vmName, job.Id)
            {
                SpareUserId = spare.Id,
                WaitingUserId = waiting.Id,
                SpareGroupId = spareGroup.Id,
                OwnKeyId = key?.Id ?? 0,
            };
        }

        /// <summary>Removes what a row granted (the cluster admin's standing grant stays).</summary>
        public async Task ResetGrantsAsync()
        {
            await using var db = await Contexts.CreateDbContextAsync();
            var admin = _users[Persona.ClusterAdmin].Id;
            await db.VmGrants.ExecuteDeleteAsync();
            await db.ClusterGrants.Where(g => g.UserId != admin).ExecuteDeleteAsync();
            await db.GroupGrants.ExecuteDeleteAsync();
        }

        private static AppUser NewUser(string name, bool waiting) => new()
        {
            Id = Guid.NewGuid(),
            UserName = name,
            NormalizedUserName = name.ToUpperInvariant(),
            SecurityStamp = Guid.NewGuid().ToString("N"),
            IsAwaitingApproval = waiting,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };

        /// <summary>Per table (all but the audit log): row count and the newest writing transaction.</summary>
        public async Task<Dictionary<string, string>> TableVersionsAsync()
        {
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            List<string> tables = [];
            await using (var list = new NpgsqlCommand(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' " +
                "AND table_name NOT IN ('audit_log', 'schema_migrations') ORDER BY 1", connection))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            var versions = new Dictionary<string, string>();
            foreach (var table in tables)
            {
                await using var command = new NpgsqlCommand($"SELECT count(*)::text || '/' || coalesce(max(xmin::text::bigint), 0)::text FROM \"{table}\"", connection);
                versions[table] = (string)(await command.ExecuteScalarAsync())!;
            }

            return versions;
        }

        public async Task<long> AuditCountAsync()
        {
            await using var db = await Contexts.CreateDbContextAsync();
            return await db.AuditLog.MaxAsync(a => (long?)a.Id) ?? 0;
        }

        public async Task<List<AuditEntry>> AuditSinceAsync(long lastId)
        {
            await using var db = await Contexts.CreateDbContextAsync();
            return await db.AuditLog.AsNoTracking().Where(a => a.Id > lastId).ToListAsync();
        }

        public async Task DisposeAsync()
        {
            await _scope.DisposeAsync();
            await _services.DisposeAsync();
            await _database.DisposeAsync();
            await Fake.DisposeAsync();
        }
    }
}
