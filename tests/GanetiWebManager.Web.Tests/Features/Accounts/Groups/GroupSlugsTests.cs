using System.Text.RegularExpressions;
using GanetiWebManager.Web.Features.Accounts.Groups;
using GanetiWebManager.Web.Features.Sync;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Groups;

public sealed partial class GroupSlugsTests
{
    [Theory]
    [InlineData("lab")]
    [InlineData("research.hpc")]
    [InlineData("ops-team_2")]
    [InlineData("a")]
    public void IsValid_GoodSlug_MakesAnOwnershipTagGanetiAcceptsAndTheSyncReadsBack(string slug)
    {
        GroupSlugs.IsValid(slug).ShouldBeTrue();
        var tag = new OwnershipTag(OwnerKind.Group, slug).ToString();

        GanetiTag().IsMatch(tag).ShouldBeTrue(tag);
        OwnershipTag.TryParse(tag, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(new OwnershipTag(OwnerKind.Group, slug));
    }

    [Fact]
    public void IsValid_LongestSlug_StillFitsGanetisTagLimit()
    {
        var slug = "a" + new string('b', GroupSlugs.MaxLength - 1);

        GroupSlugs.IsValid(slug).ShouldBeTrue();
        new OwnershipTag(OwnerKind.Group, slug).ToString().Length.ShouldBeLessThanOrEqualTo(128);
        GroupSlugs.IsValid(slug + "c").ShouldBeFalse();
    }

    [Theory]
    [InlineData("Lab")]
    [InlineData("9lab")]
    [InlineData("-lab")]
    [InlineData("lab/x")]
    [InlineData("lab:x")]
    [InlineData("lab x")]
    [InlineData("läb")]
    [InlineData("")]
    public void IsValid_BadSlug_IsRejected(string slug) => GroupSlugs.IsValid(slug).ShouldBeFalse();

    // Ganeti's tag rule (lib/objects.py TaggableObject.ValidateTag): 1..128 characters of [\w.+*/:@-].
    [GeneratedRegex(@"^[\w.+*/:@-]{1,128}$")]
    private static partial Regex GanetiTag();
}
