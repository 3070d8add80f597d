using GanetiWebManager.Web.Features.Console;

namespace GanetiWebManager.Web.Tests.Features.Console;

public sealed class VncDesTests
{
    // Expected blocks from `openssl enc -des-ecb -provider legacy -K <key> -nopad` on "0123456789abcdef".
    [Theory]
    [InlineData("0102030405060708", "1b18b97a85f967e9e16b2c29009d9df8")]
    [InlineData("133457799BBCDFF1", "6cbd22858bcedb79e824458bc7dfca39")]
    [InlineData("0000000000000000", "a068dbeab73d140b56541eb3c7625177")]
    public void EncryptBlock_StandardKeys_MatchesOpenSsl(string keyHex, string expectedHex)
    {
        var key = Convert.FromHexString(keyHex);
        var plain = "0123456789abcdef"u8.ToArray();
        var output = new byte[16];

        VncDes.EncryptBlock(plain.AsSpan(0, 8), output.AsSpan(0, 8), key);
        VncDes.EncryptBlock(plain.AsSpan(8, 8), output.AsSpan(8, 8), key);

        Convert.ToHexStringLower(output).ShouldBe(expectedHex);
    }

    [Fact]
    public void EncryptBlock_TextbookExample_85E813540F0AB405()
    {
        var output = new byte[8];

        VncDes.EncryptBlock(Convert.FromHexString("0123456789ABCDEF"), output, Convert.FromHexString("133457799BBCDFF1"));

        Convert.ToHexString(output).ShouldBe("85E813540F0AB405");
    }

    [Fact]
    public void VncKey_ReversesEachBytesBitsAndPadsToEight()
    {
        // 'a' = 0x61 = 01100001 → 10000110 = 0x86; '1' = 0x31 = 00110001 → 10001100 = 0x8c.
        Convert.ToHexStringLower(VncDes.VncKey("a1")).ShouldBe("868c000000000000");
        VncDes.VncKey("123456789").Length.ShouldBe(8);
    }

    [Fact]
    public void RespondToChallenge_OnlyTheFirstEightCharactersCount()
    {
        var challenge = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

        VncDes.RespondToChallenge(challenge, "password-and-more").ShouldBe(VncDes.RespondToChallenge(challenge, "password"));
        VncDes.RespondToChallenge(challenge, "passwore").ShouldNotBe(VncDes.RespondToChallenge(challenge, "password"));
    }
}
