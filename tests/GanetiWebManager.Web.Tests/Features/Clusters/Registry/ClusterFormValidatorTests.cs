using FluentValidation.Results;
using GanetiWebManager.Web.Features.Clusters.Registry;

namespace GanetiWebManager.Web.Tests.Features.Clusters.Registry;

public sealed class ClusterFormValidatorTests
{
    private const string Fingerprint = "3e43f025eacc81e14583ddea9bea78f800bcf638b22b109c349577d205a2c4ee";

    private readonly FakeLookup _lookup = new();

    private ClusterFormValidator Validator => new(_lookup);

    private static ClusterForm ValidForm() => new()
    {
        Hostname = "ganeti.example.org",
        Port = 5080,
        Slug = "ganeti",
        Description = "Production",
        RapiUsername = "portal",
        RapiPassword = "secret",
        CertificateSha256 = Fingerprint,
        CertificateConfirmed = true,
    };

    private async Task<List<ValidationFailure>> ErrorsAsync(ClusterForm form) => (await Validator.ValidateAsync(form)).Errors;

    private async Task<IEnumerable<string>> ErrorsOnAsync(ClusterForm form, string property) =>
        (await ErrorsAsync(form)).Where(e => e.PropertyName == property).Select(e => e.ErrorMessage);

    [Fact]
    public async Task Validate_CompleteForm_IsValid() => (await ErrorsAsync(ValidForm())).ShouldBeEmpty();

    [Fact]
    public async Task Validate_NoCredentials_IsValidAsReadOnly()
    {
        var form = ValidForm();
        form.RapiUsername = " ";
        form.RapiPassword = "";

        (await ErrorsAsync(form)).ShouldBeEmpty();
        form.IsReadOnly.ShouldBeTrue();
    }

    // ---- Host name and port

    [Theory]
    [InlineData("123456789", "at most 8 characters")]
    [InlineData("pässwd", "printable ASCII")]
    [InlineData("tab\there", "printable ASCII")]
    public async Task Validate_UnusableVncPassword_IsRefusedWithTheReason(string password, string expected)
    {
        var form = ValidForm();
        form.VncPassword = password;

        (await ErrorsAsync(form)).ShouldContain(e => e.ErrorMessage.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_NewVncPasswordAndRemoveTogether_IsRefused()
    {
        var form = ValidForm();
        form.VncPassword = "s3cret";
        form.ClearVncPassword = true;

        (await ErrorsAsync(form)).ShouldContain(e => e.ErrorMessage.Contains("not both", StringComparison.Ordinal));
        form.ClearVncPassword = false;
        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(" Ganeti.Example.ORG. ")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("node1")]
    public async Task Validate_AcceptableHostnames_AreValid(string hostname)
    {
        var form = ValidForm();
        form.Hostname = hostname;

        (await ErrorsOnAsync(form, nameof(ClusterForm.Hostname))).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("", "Give the host name")]
    [InlineData("https://ganeti.example.org", "without https://")]
    [InlineData("ganeti.example.org/2/info", "without a path")]
    [InlineData("ganeti.example.org:5080", "in the Port field")]
    [InlineData("under_score.example.org", "Not a host name or IP address")]
    [InlineData("a b", "Not a host name or IP address")]
    [InlineData("300.0.0.1", "Not a host name or IP address")]
    public async Task Validate_BadHostname_SaysWhatIsWrong(string hostname, string expected)
    {
        var form = ValidForm();
        form.Hostname = hostname;

        (await ErrorsOnAsync(form, nameof(ClusterForm.Hostname))).ShouldHaveSingleItem().ShouldContain(expected);
    }

    [Fact]
    public async Task Validate_HostnameTooLong_IsRefused()
    {
        var form = ValidForm();
        form.Hostname = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));

        (await ErrorsOnAsync(form, nameof(ClusterForm.Hostname))).ShouldHaveSingleItem().ShouldContain("at most 253");
    }

    [Fact]
    public async Task Validate_EndpointAlreadyRegistered_NamesTheOtherCluster()
    {
        _lookup.Endpoints[("ganeti.example.org", 5080)] = (7, "prod");
        var form = ValidForm();
        form.Hostname = "GANETI.example.org";

        (await ErrorsOnAsync(form, nameof(ClusterForm.Hostname))).ShouldHaveSingleItem().ShouldBe("ganeti.example.org:5080 is already registered as cluster \"prod\".");
    }

    [Fact]
    public async Task Validate_SameEndpointOtherPort_IsValid()
    {
        _lookup.Endpoints[("ganeti.example.org", 5080)] = (7, "prod");
        var form = ValidForm();
        form.Port = 5081;

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_EditingTheClusterThatOwnsTheEndpoint_IsValid()
    {
        _lookup.Endpoints[("ganeti.example.org", 5080)] = (7, "ganeti");
        _lookup.Slugs["ganeti"] = 7;
        var form = ValidForm();
        form.ExistingId = 7;

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, "Give the RAPI port")]
    [InlineData(0, "from 1 to 65535")]
    [InlineData(-1, "from 1 to 65535")]
    [InlineData(65536, "from 1 to 65535")]
    public async Task Validate_BadPort_IsRefused(int? port, string expected)
    {
        var form = ValidForm();
        form.Port = port;

        (await ErrorsOnAsync(form, nameof(ClusterForm.Port))).ShouldHaveSingleItem().ShouldContain(expected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65535)]
    public async Task Validate_PortAtTheLimits_IsValid(int port)
    {
        var form = ValidForm();
        form.Port = port;

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    // ---- Slug

    [Theory]
    [InlineData("", "Give a short name")]
    [InlineData("2fast", "starting with a letter")]
    [InlineData("a_b", "lower-case letters")]
    [InlineData("ends-", "not ending with '-'")]
    [InlineData("new", "reserved")]
    public async Task Validate_BadSlug_IsRefused(string slug, string expected)
    {
        var form = ValidForm();
        form.Slug = slug;

        (await ErrorsOnAsync(form, nameof(ClusterForm.Slug))).ShouldHaveSingleItem().ShouldContain(expected);
    }

    [Fact]
    public async Task Validate_SlugInUpperCase_IsCheckedAsStored()
    {
        var form = ValidForm();
        form.Slug = " Ganeti-A ";

        (await ErrorsAsync(form)).ShouldBeEmpty();
        form.Normalized().Slug.ShouldBe("ganeti-a");
    }

    [Fact]
    public async Task Validate_SlugTooLong_IsRefused()
    {
        var form = ValidForm();
        form.Slug = new string('a', 51);

        (await ErrorsOnAsync(form, nameof(ClusterForm.Slug))).ShouldHaveSingleItem().ShouldContain("at most 50");
    }

    [Fact]
    public async Task Validate_SlugOfAnotherCluster_IsRefused()
    {
        _lookup.Slugs["ganeti"] = 3;

        (await ErrorsOnAsync(ValidForm(), nameof(ClusterForm.Slug))).ShouldHaveSingleItem().ShouldBe("Another cluster already uses the slug \"ganeti\".");
    }

    [Fact]
    public async Task Validate_OwnSlugWhenEditing_IsValid()
    {
        _lookup.Slugs["ganeti"] = 3;
        var form = ValidForm();
        form.ExistingId = 3;

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    // ---- Credentials: both or neither; editing keeps the stored password

    [Fact]
    public async Task Validate_UserWithoutPassword_AsksForThePassword()
    {
        var form = ValidForm();
        form.RapiPassword = null;

        (await ErrorsOnAsync(form, nameof(ClusterForm.RapiPassword))).ShouldHaveSingleItem().ShouldContain("Give the RAPI user's password");
    }

    [Fact]
    public async Task Validate_PasswordWithoutUser_AsksForTheUser()
    {
        var form = ValidForm();
        form.RapiUsername = "";

        (await ErrorsOnAsync(form, nameof(ClusterForm.RapiUsername))).ShouldHaveSingleItem().ShouldContain("Give the RAPI user this password belongs to");
    }

    [Fact]
    public async Task Validate_EditingSameUserBlankPassword_KeepsTheStoredOne()
    {
        var form = ValidForm();
        form.ExistingId = 3;
        form.StoredRapiUsername = "portal";
        form.HasStoredPassword = true;
        form.RapiPassword = "";

        (await ErrorsAsync(form)).ShouldBeEmpty();
        form.KeepsStoredPassword.ShouldBeTrue();
        form.IsReadOnly.ShouldBeFalse();
    }

    [Fact]
    public async Task Validate_EditingOtherUserBlankPassword_NeedsItsPassword()
    {
        var form = ValidForm();
        form.ExistingId = 3;
        form.StoredRapiUsername = "portal";
        form.HasStoredPassword = true;
        form.RapiUsername = "someone-else";
        form.RapiPassword = null;

        (await ErrorsOnAsync(form, nameof(ClusterForm.RapiPassword))).ShouldHaveSingleItem().ShouldBe("A different RAPI user needs its password.");
    }

    [Theory]
    [InlineData("user:name")]
    [InlineData("user name")]
    [InlineData("user\tname")]
    public async Task Validate_UserNameWithForbiddenCharacters_IsRefused(string user)
    {
        var form = ValidForm();
        form.RapiUsername = user;

        (await ErrorsOnAsync(form, nameof(ClusterForm.RapiUsername))).ShouldHaveSingleItem().ShouldContain("no spaces and no ':'");
    }

    [Fact]
    public async Task Validate_PasswordWithColonAndSymbols_IsValid()
    {
        var form = ValidForm();
        form.RapiPassword = "p:ss w0rd/§";

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_PasswordTooLong_IsRefused()
    {
        var form = ValidForm();
        form.RapiPassword = new string('x', 257);

        (await ErrorsOnAsync(form, nameof(ClusterForm.RapiPassword))).ShouldHaveSingleItem().ShouldContain("at most 256");
    }

    // ---- Quota: empty is unlimited, 0 is none, negative is an error

    [Fact]
    public async Task Validate_QuotaEmpty_MeansUnlimitedAndIsValid()
    {
        var form = ValidForm();
        form.DefaultQuota = new ClusterQuotaForm { RamMiB = null, DiskMiB = null, Vcpus = null };

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_QuotaZero_MeansNoneAndIsValid()
    {
        var form = ValidForm();
        form.DefaultQuota = new ClusterQuotaForm { RamMiB = 0, DiskMiB = 0, Vcpus = 0 };

        (await ErrorsAsync(form)).ShouldBeEmpty();
        form.Normalized().DefaultQuota.RamMiB.ShouldBe(0);
    }

    [Fact]
    public async Task Validate_NegativeQuota_IsRefusedOnTheNestedField()
    {
        var form = ValidForm();
        form.DefaultQuota = new ClusterQuotaForm { RamMiB = -1, DiskMiB = -5, Vcpus = -2 };

        var errors = await ErrorsAsync(form);

        errors.Select(e => e.PropertyName).ShouldBe(["DefaultQuota.RamMiB", "DefaultQuota.DiskMiB", "DefaultQuota.Vcpus"], ignoreOrder: true);
        errors.ShouldAllBe(e => e.ErrorMessage.Contains("leave it empty for unlimited"));
    }

    [Fact]
    public async Task Validate_AbsurdQuota_IsRefused()
    {
        var form = ValidForm();
        form.DefaultQuota.RamMiB = ClusterFormValidator.MaxRamMiB + 1;

        (await ErrorsOnAsync(form, "DefaultQuota.RamMiB")).ShouldHaveSingleItem();
    }

    // ---- Console address mapping

    [Fact]
    public async Task Validate_GoodConsoleMapping_IsValid()
    {
        var form = ValidForm();
        form.ConsoleAddressMapping = "node1.example.org = 10.0.0.11\n* = 10.0.0.1";

        (await ErrorsAsync(form)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_BadConsoleMapping_ReportsEveryLine()
    {
        var form = ValidForm();
        form.ConsoleAddressMapping = "node1 10.0.0.1\nnode2 = not_an_address";

        var errors = (await ErrorsOnAsync(form, nameof(ClusterForm.ConsoleAddressMapping))).ToList();

        errors.Count.ShouldBe(2);
        errors[0].ShouldStartWith("Line 1:");
        errors[1].ShouldStartWith("Line 2:");
    }

    // ---- Certificate

    [Fact]
    public async Task Validate_NoCertificate_AsksToFetchIt()
    {
        var form = ValidForm();
        form.CertificateSha256 = null;
        form.CertificateConfirmed = false;

        (await ErrorsOnAsync(form, nameof(ClusterForm.CertificateSha256))).ShouldHaveSingleItem().ShouldContain("Fetch the cluster's certificate");
    }

    [Fact]
    public async Task Validate_CertificateNotConfirmed_AsksToTickTheBox()
    {
        var form = ValidForm();
        form.CertificateConfirmed = false;

        (await ErrorsOnAsync(form, nameof(ClusterForm.CertificateConfirmed))).ShouldHaveSingleItem().ShouldContain("Tick the box");
    }

    [Fact]
    public async Task Validate_MalformedFingerprint_IsRefused()
    {
        var form = ValidForm();
        form.CertificateSha256 = "abc";

        (await ErrorsOnAsync(form, nameof(ClusterForm.CertificateSha256))).ShouldHaveSingleItem().ShouldContain("64 hexadecimal digits");
    }

    private sealed class FakeLookup : IClusterRegistryLookup
    {
        public Dictionary<string, int> Slugs { get; } = [];

        public Dictionary<(string Host, int Port), (int Id, string Slug)> Endpoints { get; } = [];

        public async Task<bool> IsSlugTakenAsync(string slug, int? exceptClusterId, CancellationToken ct)
        {
            await Task.Yield(); // as asynchronous as the database
            return Slugs.TryGetValue(slug, out var id) && id != exceptClusterId;
        }

        public async Task<string?> FindSlugByEndpointAsync(string hostname, int port, int? exceptClusterId, CancellationToken ct)
        {
            await Task.Yield();
            return Endpoints.TryGetValue((hostname, port), out var c) && c.Id != exceptClusterId ? c.Slug : null;
        }
    }
}
