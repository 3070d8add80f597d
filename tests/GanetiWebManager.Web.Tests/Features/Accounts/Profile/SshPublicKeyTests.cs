using System.Buffers.Binary;
using System.Text;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Features.Accounts.Profile;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Profile;

public sealed class SshPublicKeyTests
{
    [Theory]
    [InlineData("ed25519", null)]
    [InlineData("rsa", 2048)]
    [InlineData("rsa", 3072)]
    [InlineData("ecdsa", 256)]
    [InlineData("ecdsa", 384)]
    [InlineData("ecdsa", 521)]
    public async Task TryParse_KeyFromSshKeygen_IsAcceptedWithOpenSshsFingerprint(string type, int? bits)
    {
        var (line, fingerprint, keyBits) = await SshKeyGen.GenerateAsync(type, bits, comment: "alice@laptop");

        SshPublicKey.TryParse(line, out var key, out var problem).ShouldBeTrue(problem);

        key.Fingerprint.ShouldBe(fingerprint);
        key.Bits.ShouldBe(keyBits);
        key.Comment.ShouldBe("alice@laptop");
        key.ToString().ShouldBe(line);
    }

    [Fact]
    public async Task TryParse_Rsa1024_IsRejectedAsTooShort()
    {
        var (line, _, _) = await SshKeyGen.GenerateAsync("rsa", 1024);

        SshPublicKey.TryParse(line, out _, out var problem).ShouldBeFalse();

        problem.ShouldBe("The RSA key has 1024 bits; at least 2048 are required.");
    }

    [Fact]
    public async Task TryParse_TypeOfLineDiffersFromTheBlob_IsRejected()
    {
        var (line, _, _) = await SshKeyGen.GenerateAsync("ed25519");
        var relabelled = "ssh-rsa" + line["ssh-ed25519".Length..];

        SshPublicKey.TryParse(relabelled, out _, out var problem).ShouldBeFalse();

        problem!.ShouldContain("but the line says ssh-rsa");
    }

    [Fact]
    public async Task TryParse_TruncatedOrExtendedBlob_IsRejected()
    {
        var (line, _, _) = await SshKeyGen.GenerateAsync("ed25519");
        var parts = line.Split(' ');
        var blob = Convert.FromBase64String(parts[1]);

        SshPublicKey.TryParse($"{parts[0]} {Convert.ToBase64String(blob[..^4])}", out _, out _).ShouldBeFalse();
        SshPublicKey.TryParse($"{parts[0]} {Convert.ToBase64String([.. blob, 0])}", out _, out var extra).ShouldBeFalse();
        extra.ShouldBe("The key data has extra bytes after the key.");
    }

    [Fact]
    public void TryParse_SecurityKeyEd25519_IsAcceptedAndFingerprinted()
    {
        var blob = Wire("sk-ssh-ed25519@openssh.com", new byte[32], "ssh:");
        var line = $"sk-ssh-ed25519@openssh.com {Convert.ToBase64String(blob)} yubikey";

        SshPublicKey.TryParse(line, out var key, out var problem).ShouldBeTrue(problem);

        key.Fingerprint.ShouldBe(SshPublicKey.FingerprintOf(blob));
        key.Fingerprint.ShouldStartWith("SHA256:");
        key.Fingerprint.ShouldNotEndWith("=");
    }

    [Fact]
    public void TryParse_SecurityKeyEcdsa_NeedsTheP256CurveAndAnApplication()
    {
        var point = new byte[65];
        point[0] = 4;
        var good = Wire("sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", point, "ssh:");
        var wrongCurve = Wire("sk-ecdsa-sha2-nistp256@openssh.com", "nistp384", point, "ssh:");
        var noApplication = Wire("sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", point);

        SshPublicKey.TryParse($"sk-ecdsa-sha2-nistp256@openssh.com {Convert.ToBase64String(good)}", out _, out var problem).ShouldBeTrue(problem);
        SshPublicKey.TryParse($"sk-ecdsa-sha2-nistp256@openssh.com {Convert.ToBase64String(wrongCurve)}", out _, out _).ShouldBeFalse();
        SshPublicKey.TryParse($"sk-ecdsa-sha2-nistp256@openssh.com {Convert.ToBase64String(noApplication)}", out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("", "Paste a public key")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3M=", "DSA keys are no longer accepted")]
    [InlineData("ssh-foo AAAA", "is not a supported key type")]
    [InlineData("ssh-ed25519", "is missing")]
    [InlineData("ssh-ed25519 not*base64", "not valid base64")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----", "private key")]
    public void TryParse_NotAPublicKey_SaysWhy(string text, string expected)
    {
        SshPublicKey.TryParse(text, out _, out var problem).ShouldBeFalse();

        problem!.ShouldContain(expected);
    }

    [Fact]
    public async Task TryParse_TwoLines_IsRejected()
    {
        var (first, _, _) = await SshKeyGen.GenerateAsync("ed25519");

        SshPublicKey.TryParse(first + "\n" + first, out _, out var problem).ShouldBeFalse();

        problem!.ShouldContain("one key at a time");
    }

    private static byte[] Wire(params object[] fields)
    {
        var output = new List<byte>();
        foreach (var field in fields)
        {
            var bytes = field as byte[] ?? Encoding.ASCII.GetBytes((string)field);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            output.AddRange(length);
            output.AddRange(bytes);
        }

        return [.. output];
    }
}
