using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;

namespace GanetiWebManager.Web.Tests.Features.Access;

/// <summary>The permission rules of product-spec §3, case by case, without a database.</summary>
public sealed class AccessRulesTests
{
    private const int ClusterA = 1;
    private const int ClusterB = 2;
    private const int GroupG = 10;
    private const int GroupH = 11;
    private static readonly Guid UserId = Guid.NewGuid();
    private static readonly Guid Someone = Guid.NewGuid();

    private static AccessScope Scope(
        IReadOnlyCollection<int>? groups = null,
        IReadOnlyList<HeldClusterGrant>? clusterGrants = null,
        bool superuser = false,
        Dictionary<int, GroupPermissions>? groupGrants = null) =>
        new(UserId, "u", superuser, groups ?? [], clusterGrants ?? [], groupGrants ?? []);

    private static VmFacts Vm(Guid? ownerUser = null, int? ownerGroup = null, bool locked = false, int cluster = ClusterA) =>
        new(cluster, ownerUser, ownerGroup, locked);

    [Fact]
    public void OnVm_Nobody_HoldsNothingAndSeesNothing()
    {
        var access = AccessRules.OnVm(AccessScope.Nobody, Vm(ownerUser: Guid.Empty), VmPermissions.All);

        access.CanView.ShouldBeFalse();
        access.Permissions.ShouldBe(VmPermissions.None);
    }

    [Fact]
    public void OnVm_UserWithoutAnyGrant_SeesNothing()
    {
        var access = AccessRules.OnVm(Scope(), Vm(ownerUser: Someone), VmPermissions.None);

        access.CanView.ShouldBeFalse();
        access.Has(VmPermissions.Power).ShouldBeFalse();
    }

    [Fact]
    public void OnVm_DirectPowerGrant_AllowsPowerOnly()
    {
        var access = AccessRules.OnVm(Scope(), Vm(ownerUser: Someone), VmPermissions.Power);

        access.CanView.ShouldBeTrue();
        access.Has(VmPermissions.Power).ShouldBeTrue();
        access.Has(VmPermissions.Modify).ShouldBeFalse();
        access.Has(VmPermissions.Remove).ShouldBeFalse();
        access.Has(VmPermissions.Admin).ShouldBeFalse();
    }

    [Fact]
    public void OnVm_VmAdminGrant_ImpliesEveryVmPermission()
    {
        var access = AccessRules.OnVm(Scope(), Vm(), VmPermissions.Admin);

        access.Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public void OnVm_UserOwner_HoldsVmAdminImplicitly()
    {
        var access = AccessRules.OnVm(Scope(), Vm(ownerUser: UserId), VmPermissions.None);

        access.Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public void OnVm_MemberOfOwningGroup_HoldsVmAdminImplicitly()
    {
        var access = AccessRules.OnVm(Scope(groups: [GroupG]), Vm(ownerGroup: GroupG), VmPermissions.None);

        access.Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public void OnVm_FormerOwner_KeepsOnlyExplicitGrants()
    {
        // Ownership moved to someone else: the right moved with it (product-spec §3); explicit grants stay.
        var access = AccessRules.OnVm(Scope(), Vm(ownerUser: Someone), VmPermissions.Tags);

        access.Permissions.ShouldBe(VmPermissions.Tags);
    }

    [Fact]
    public void OnVm_MemberOfAnotherGroup_GetsNothingFromOwnership()
    {
        var access = AccessRules.OnVm(Scope(groups: [GroupH]), Vm(ownerGroup: GroupG), VmPermissions.None);

        access.CanView.ShouldBeFalse();
    }

    [Fact]
    public void OnVm_ClusterAdmin_HoldsEverythingOnItsClusterOnly()
    {
        var scope = Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.Admin)]);

        AccessRules.OnVm(scope, Vm(cluster: ClusterA), VmPermissions.None).Permissions.ShouldBe(VmPermissions.All);
        AccessRules.OnVm(scope, Vm(cluster: ClusterB), VmPermissions.None).CanView.ShouldBeFalse();
    }

    [Fact]
    public void OnVm_ClusterAdminThroughGroup_HoldsEverything()
    {
        var scope = Scope(groups: [GroupG], clusterGrants: [new HeldClusterGrant(ClusterA, GroupG, ClusterPermissions.Admin)]);

        AccessRules.OnVm(scope, Vm(), VmPermissions.None).Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public void OnVm_CreateVmOnCluster_GivesNoRightOnOthersVms()
    {
        var scope = Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.CreateVm | ClusterPermissions.Migrate)]);

        AccessRules.OnVm(scope, Vm(ownerUser: Someone), VmPermissions.None).CanView.ShouldBeFalse();
    }

    [Fact]
    public void OnVm_LockedVm_LeavesOwnerAndGranteesViewOnly()
    {
        var owner = AccessRules.OnVm(Scope(), Vm(ownerUser: UserId, locked: true), VmPermissions.None);
        var grantee = AccessRules.OnVm(Scope(), Vm(ownerUser: Someone, locked: true), VmPermissions.Power);

        owner.CanView.ShouldBeTrue();
        owner.Permissions.ShouldBe(VmPermissions.None);
        owner.Has(VmPermissions.None).ShouldBeTrue("viewing needs no permission bit");
        grantee.CanView.ShouldBeTrue();
        grantee.Has(VmPermissions.Power).ShouldBeFalse();
    }

    [Fact]
    public void OnVm_LockedVm_StillOperableByClusterAdminAndSuperuser()
    {
        var admin = Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.Admin)]);

        AccessRules.OnVm(admin, Vm(locked: true), VmPermissions.None).Permissions.ShouldBe(VmPermissions.All);
        AccessRules.OnVm(Scope(superuser: true), Vm(locked: true), VmPermissions.None).Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public void OnVm_GrantsFromUserAndGroups_AreUnited()
    {
        // The caller passes the union of the user's and their groups' grants on the VM; rules keep it whole.
        var access = AccessRules.OnVm(Scope(groups: [GroupG]), Vm(), VmPermissions.Power | VmPermissions.Tags);

        access.Has(VmPermissions.Power | VmPermissions.Tags).ShouldBeTrue();
    }

    [Fact]
    public void OnCluster_UnitesOwnAndGroupGrants()
    {
        var scope = Scope(groups: [GroupG, GroupH], clusterGrants:
        [
            new HeldClusterGrant(ClusterA, null, ClusterPermissions.Tags),
            new HeldClusterGrant(ClusterA, GroupG, ClusterPermissions.CreateVm),
            new HeldClusterGrant(ClusterA, GroupH, ClusterPermissions.Migrate),
        ]);

        scope.OnCluster(ClusterA).ShouldBe(ClusterPermissions.Tags | ClusterPermissions.CreateVm | ClusterPermissions.Migrate);
        scope.OnCluster(ClusterB).ShouldBe(ClusterPermissions.None);
    }

    [Fact]
    public void HasOnCluster_AdminImpliesEveryClusterPermission()
    {
        var scope = Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.Admin)]);

        AccessRules.HasOnCluster(scope, ClusterA, ClusterPermissions.Migrate | ClusterPermissions.ReplaceDisks).ShouldBeTrue();
        AccessRules.HasOnCluster(scope, ClusterB, ClusterPermissions.Migrate).ShouldBeFalse();
    }

    [Fact]
    public void CanViewNodes_AdminsAndMigrateHoldersOnly()
    {
        AccessRules.CanViewNodes(Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.Migrate)]), ClusterA).ShouldBeTrue();
        AccessRules.CanViewNodes(Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.CreateVm)]), ClusterA).ShouldBeFalse();
        AccessRules.CanViewNodes(Scope(superuser: true), ClusterB).ShouldBeTrue();
    }

    [Fact]
    public void CanViewCluster_AnyGrantOrAVisibleVm()
    {
        var creator = Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.CreateVm)]);

        AccessRules.CanViewCluster(creator, ClusterA, hasVisibleVm: false).ShouldBeTrue();
        AccessRules.CanViewCluster(creator, ClusterB, hasVisibleVm: false).ShouldBeFalse();
        AccessRules.CanViewCluster(creator, ClusterB, hasVisibleVm: true).ShouldBeTrue();
        AccessRules.CanViewCluster(AccessScope.Nobody, ClusterA, hasVisibleVm: true).ShouldBeFalse();
    }

    [Fact]
    public void CanManageGroup_GroupAdminsAndSuperusers()
    {
        AccessRules.CanManageGroup(Scope(groupGrants: new() { [GroupG] = GroupPermissions.Admin }), GroupG).ShouldBeTrue();
        AccessRules.CanManageGroup(Scope(groupGrants: new() { [GroupG] = GroupPermissions.Admin }), GroupH).ShouldBeFalse();
        AccessRules.CanManageGroup(Scope(groups: [GroupG]), GroupG).ShouldBeFalse("membership alone does not make an admin");
        AccessRules.CanManageGroup(Scope(superuser: true), GroupH).ShouldBeTrue();
    }

    [Fact]
    public void CanListAllPrincipals_ClusterAdminsAndSuperusersOnly()
    {
        AccessRules.CanListAllPrincipals(Scope()).ShouldBeFalse();
        AccessRules.CanListAllPrincipals(Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.CreateVm)])).ShouldBeFalse();
        AccessRules.CanListAllPrincipals(Scope(clusterGrants: [new HeldClusterGrant(ClusterA, GroupG, ClusterPermissions.Admin)], groups: [GroupG])).ShouldBeTrue();
        AccessRules.CanListAllPrincipals(Scope(superuser: true)).ShouldBeTrue();
    }

    // Personas: product-spec §4 and gwm.md §13.

    [Fact]
    public void AllowedOwners_DirectCreateVm_OffersTheUserThemself()
    {
        var choice = AccessRules.AllowedOwners(Scope(clusterGrants: [new HeldClusterGrant(ClusterA, null, ClusterPermissions.CreateVm)]), ClusterA);

        choice.Self.ShouldBeTrue();
        choice.GroupIds.ShouldBeEmpty();
        choice.Allows(UserId, null, UserId).ShouldBeTrue();
    }

    [Fact]
    public void AllowedOwners_CreateVmOnlyThroughGroup_OffersOnlyThatGroup()
    {
        var scope = Scope(groups: [GroupG, GroupH], clusterGrants: [new HeldClusterGrant(ClusterA, GroupG, ClusterPermissions.CreateVm)]);

        var choice = AccessRules.AllowedOwners(scope, ClusterA);

        choice.Self.ShouldBeFalse("a member of a group with create_vm creates only as that group");
        choice.GroupIds.ShouldBe([GroupG]);
        choice.Allows(UserId, null, UserId).ShouldBeFalse();
        choice.Allows(null, GroupH, UserId).ShouldBeFalse();
        choice.Allows(null, GroupG, UserId).ShouldBeTrue();
    }

    [Fact]
    public void AllowedOwners_ClusterAdminDirectly_OffersSelfAndAdminGroups()
    {
        var scope = Scope(groups: [GroupG, GroupH], clusterGrants:
        [
            new HeldClusterGrant(ClusterA, null, ClusterPermissions.Admin),
            new HeldClusterGrant(ClusterA, GroupH, ClusterPermissions.Admin),
        ]);

        var choice = AccessRules.AllowedOwners(scope, ClusterA);

        choice.Self.ShouldBeTrue();
        choice.GroupIds.ShouldBe([GroupH]);
    }

    [Fact]
    public void AllowedOwners_OtherPermissionsOrOtherCluster_OfferNothing()
    {
        var scope = Scope(groups: [GroupG], clusterGrants:
        [
            new HeldClusterGrant(ClusterA, null, ClusterPermissions.Migrate | ClusterPermissions.Tags),
            new HeldClusterGrant(ClusterB, GroupG, ClusterPermissions.CreateVm),
        ]);

        AccessRules.AllowedOwners(scope, ClusterA).IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public void AllowedOwners_Superuser_AnyOwner()
    {
        var choice = AccessRules.AllowedOwners(Scope(superuser: true), ClusterA);

        choice.AnyOwner.ShouldBeTrue();
        choice.Allows(Someone, null, UserId).ShouldBeTrue();
        choice.Allows(null, GroupH, UserId).ShouldBeTrue();
    }
}
