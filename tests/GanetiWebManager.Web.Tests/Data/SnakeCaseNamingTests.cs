using GanetiWebManager.Web.Data;

namespace GanetiWebManager.Web.Tests.Data;

public sealed class SnakeCaseNamingTests
{
    [Theory]
    [InlineData("Clusters", "clusters")]
    [InlineData("NormalizedUserName", "normalized_user_name")]
    [InlineData("CertificateSha256", "certificate_sha256")]
    [InlineData("RAPIUser", "rapi_user")]
    [InlineData("PK_AspNetUsers", "pk_asp_net_users")]
    [InlineData("id", "id")]
    public void ToSnakeCase_PascalCaseNames_BecomeLowerCaseWords(string name, string expected) =>
        SnakeCaseNaming.ToSnakeCase(name).ShouldBe(expected);
}
