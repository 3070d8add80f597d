using GanetiWebManager.Testing;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Tests;

/// <summary>Bad settings stop the portal at start with a message that names the setting.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Database:ConnectionString", "", "Database:ConnectionString is required")]
    [InlineData("Database:ConnectionString", "Host=x;NoSuchKeyword=1", "not a valid PostgreSQL connection string")]
    [InlineData("Health:Token", "short", "Health:Token must be at least 16 characters")]
    [InlineData("Bootstrap:SuperuserName", "bad name!", "A user name is 1 to 100 letters")]
    public async Task Start_InvalidSetting_FailsNamingIt(string key, string value, string expectedMessage)
    {
        await using var database = await TestDatabase.CreateAsync("startup");
        await using var portal = new PortalFactory(database, settings: new Dictionary<string, string?> { [key] = value });

        var error = Should.Throw<OptionsValidationException>(() => portal.CreateClientWithoutRedirects());

        error.Message.ShouldContain(expectedMessage);
    }
}
