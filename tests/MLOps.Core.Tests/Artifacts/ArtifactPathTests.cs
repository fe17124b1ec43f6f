using MLOps.Artifacts;

namespace MLOps.Core.Tests.Artifacts;

public sealed class ArtifactPathTests
{
    public static TheoryData<string, string> HostilePaths() => new()
    {
        { "", "empty" },
        { "/etc/passwd", "absolute" },
        { "//server/share/x", "absolute" },
        { "../secrets", "'..'" },
        { "a/../../b", "'..'" },
        { "models/..", "'..'" },
        { "./a", "'.'" },
        { "a/./b", "'.'" },
        { "a//b", "empty segment" },
        { "a/", "empty segment" },
        { "C:/Windows/win.ini", "':'" },
        { "c:evil", "':'" },
        { "model.onnx:hidden", "':'" },
        { "file:///etc/passwd", "':'" },
        { "a\\b", "backslash" },
        { "..\\..\\boot.ini", "backslash" },
        { "\\\\server\\share", "backslash" },
        { "a\0b", "U+0000" },
        { "a\nb", "U+000A" },
        { "a\rb", "U+000D" },
        { "tab\there", "U+0009" },
        { "del\u007Fx", "U+007F" },
        { "CON", "device name" },
        { "con.txt", "device name" },
        { "models/NUL", "device name" },
        { "Lpt1.log", "device name" },
        { "COM9", "device name" },
        { "aux/readme", "device name" },
        { "CONIN$", "device name" },
        { "trailing./x", "ends with '.'" },
        { "a.", "ends with '.'" },
        { "...", "ends with '.'" },
        { "trailing /x", "white space" },
        { " leading", "white space" },
        { "a<b", "'<'" },
        { "a>b", "'>'" },
        { "a|b", "'|'" },
        { "a?b", "'?'" },
        { "a*b", "'*'" },
        { "a\"b", "'\"'" },
        { "evil\u202Egnp.exe", "bidirectional" },
        { "isolate\u2066x", "bidirectional" },
        { "e\u0301.txt", "NFC" },
        { new string('a', 256), "UTF-8 bytes" },
        { "dir/" + new string('\u00E9', 128), "UTF-8 bytes" },
        { string.Join('/', Enumerable.Repeat("abcdefghij", 100)), "characters long" },
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Validate_HostilePath_ThrowsNamingPathAndReason(string path, string expectedReason)
    {
        var act = () => ArtifactPath.Validate(path);

        var thrown = act.Should().Throw<InvalidArtifactPathException>().Which;
        thrown.Path.Should().Be(path);
        thrown.Reason.Should().Contain(expectedReason);
        thrown.Message.Should().NotContain("\0").And.NotContain("\n");
        thrown.IsTransient.Should().BeFalse();
    }

    [Fact]
    public void HostilePaths_AreAtLeastTwentyFive() => HostilePaths().Count.Should().BeGreaterThanOrEqualTo(25);

    [Fact]
    public void Validate_LoneSurrogate_Throws()
    {
        // Built here rather than in theory data: test-case serialisation would repair the lone surrogate.
        var path = "lone" + (char)0xD800 + "surrogate";

        var act = () => ArtifactPath.Validate(path);

        act.Should().Throw<InvalidArtifactPathException>().Which.Reason.Should().Contain("lone surrogate");
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("runs/42/artifacts/model.onnx")]
    [InlineData("my model v2.onnx")]
    [InlineData(".gitignore")]
    [InlineData("..hidden")]
    [InlineData("a..b")]
    [InlineData("données/été.parquet")]
    [InlineData("日本語/モデル.onnx")]
    [InlineData("emoji-🚀.bin")]
    [InlineData("%2e%2e/literal-percent")]
    [InlineData("name#1@2+3=4,5;6[7]{8}")]
    [InlineData("-leading-dash")]
    [InlineData("CONSOLE.txt")]
    [InlineData("com10")]
    [InlineData("nul_")]
    [InlineData("con-fig/a.b.c")]
    [InlineData("~/not-home")]
    public void Validate_LegalOddName_Accepts(string path)
    {
        ArtifactPath.IsValid(path, out var reason).Should().BeTrue(reason);
    }

    [Fact]
    public void Validate_SegmentOfExactly255Bytes_Accepts()
    {
        var path = "dir/" + new string('\u00E9', 127) + "x"; // 127 × 2 bytes + 1 = 255

        ArtifactPath.IsValid(path, out var reason).Should().BeTrue(reason);
    }

    [Fact]
    public void Exception_HostileControlCharacters_AreEscapedInMessage()
    {
        var act = () => ArtifactPath.Validate("x\u001b[31mred\nFAKE LOG LINE");

        act.Should().Throw<InvalidArtifactPathException>()
            .Which.Message.Should().Contain("\\u001B").And.NotContain("\u001b").And.NotContain("\n");
    }
}
