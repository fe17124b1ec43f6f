namespace MLOps.Registry.Tests;

public sealed class ModelUriTests
{
    public static TheoryData<string, ModelUriKind, string, string> Valid => new()
    {
        { "models:/fraud/3", ModelUriKind.Version, "fraud", "3" },
        { "models:/fraud/1", ModelUriKind.Version, "fraud", "1" },
        { "models:/fraud/2147483647", ModelUriKind.Version, "fraud", "2147483647" },
        { "models:/fraud@champion", ModelUriKind.Alias, "fraud", "champion" },
        { "models:/fraud@Champion_2", ModelUriKind.Alias, "fraud", "Champion_2" },
        { "models:/fraud@challenger-b", ModelUriKind.Alias, "fraud", "challenger-b" },
        { "models:/fraud@v", ModelUriKind.Alias, "fraud", "v" },
        { "models:/fraud@v1a", ModelUriKind.Alias, "fraud", "v1a" },
        { "models:/fraud/Production", ModelUriKind.Stage, "fraud", "Production" },
        { "models:/fraud/production", ModelUriKind.Stage, "fraud", "Production" },
        { "models:/fraud/STAGING", ModelUriKind.Stage, "fraud", "Staging" },
        { "models:/fraud/Archived", ModelUriKind.Stage, "fraud", "Archived" },
        { "models:/fraud/None", ModelUriKind.Stage, "fraud", "None" },
        { "models:/fraud/latest", ModelUriKind.Latest, "fraud", "latest" },
        { "models:/fraud/LATEST", ModelUriKind.Latest, "fraud", "latest" },
        { "models:/fraud detector/2", ModelUriKind.Version, "fraud detector", "2" },
        { "models:/fraud.v2/1", ModelUriKind.Version, "fraud.v2", "1" },
        { "models:/Модель/1", ModelUriKind.Version, "Модель", "1" },
        { "models:/a/1", ModelUriKind.Version, "a", "1" },
    };

    public static TheoryData<string, int, string> Invalid => new()
    {
        { "", 0, "empty" },
        { "fraud/3", 0, "must start with 'models:/'" },
        { "model:/fraud/3", 0, "scheme 'model:'" },
        { "Models:/fraud/3", 0, "lowercase" },
        { "runs:/abc/model", 0, "scheme 'runs:'" },
        { "models:fraud/3", 7, "followed by '/'" },
        { "models://fraud/3", 8, "authority" },
        { "models:/", 8, "name is missing" },
        { "models:/fraud", 13, "must follow the model name" },
        { "models:/fraud/", 14, "after '/' is missing" },
        { "models:/fraud@", 14, "alias after '@' is missing" },
        { "models:/fraud/3/extra", 15, "unexpected '/'" },
        { "models:/fraud/0", 14, "numbered from 1" },
        { "models:/fraud/03", 14, "leading zero in '03'; write 3" },
        { "models:/fraud/-1", 14, "not a version number" },
        { "models:/fraud/+1", 14, "not a version number" },
        { "models:/fraud/3a", 15, "'3a' is not a version number" },
        { "models:/fraud/2147483648", 14, "too large" },
        { "models:/fraud/Prod", 14, "'Prod' is not a version number, a stage" },
        { "models:/fraud@latest", 14, "Write models:/fraud/latest" },
        { "models:/fraud@v3", 14, "Write models:/fraud/3" },
        { "models:/fraud@champ!on", 19, "'!'" },
        { "models:/fraud@champion/1", 22, "unexpected '/'" },
        { "models:/fraud@a@b", 15, "unexpected '@'" },
        { " models:/fraud/1", 0, "white space" },
        { "models:/fraud/1 ", 15, "white space" },
        { "models:/fraud/1?x=1", 15, "unexpected '?'" },
        { "models:/fraud#frag/1", 13, "query or fragment" },
        { "models:/fr%61ud/1", 10, "'%'" },
        { "models:/fraud\n/1", 13, "control character U+000A" },
        { "models:/ fraud/1", 8, "white space" },
        { "models:/../1", 8, "'.' and '..'" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_ValidUri_ReturnsParts(string text, ModelUriKind kind, string name, string part)
    {
        var uri = ModelUri.Parse(text);

        uri.Kind.Should().Be(kind);
        uri.Name.Should().Be(name);
        var actual = kind switch
        {
            ModelUriKind.Version => uri.Version!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ModelUriKind.Alias => uri.Alias,
            ModelUriKind.Stage => uri.Stage!.Value.ToName(),
            _ => "latest",
        };
        actual.Should().Be(part);
        ModelUri.Parse(uri.ToString()).Should().Be(uri, "the canonical form parses back to the same URI");
        ModelUri.TryParse(text, out var again).Should().BeTrue();
        again.Should().Be(uri);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidUri_ThrowsWithPositionOfBadPart(string text, int position, string reason)
    {
        var act = () => ModelUri.Parse(text);

        var error = act.Should().Throw<ModelUriFormatException>().Which;
        error.Position.Should().Be(position);
        error.Reason.Should().Contain(reason);
        error.Uri.Should().Be(text);
        error.Message.Should().Contain("models:/<name>/<version>");
        ModelUri.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void Parse_InvalidUri_MessageDrawsCaretUnderBadPart()
    {
        var error = Assert.Throws<ModelUriFormatException>(() => ModelUri.Parse("models:/fraud/Prod"));

        var lines = error.Message.Split('\n');
        lines[^2].Should().Be("  models:/fraud/Prod");
        lines[^1].Should().Be("  " + new string(' ', 14) + "^");
    }

    [Fact]
    public void Parse_Null_Throws()
    {
        var act = () => ModelUri.Parse(null!);

        act.Should().Throw<ModelUriFormatException>().Which.Position.Should().Be(0);
    }

    [Fact]
    public void Factories_FormatCanonically()
    {
        ModelUri.ForVersion("fraud", 3).ToString().Should().Be("models:/fraud/3");
        ModelUri.ForAlias("fraud", "champion").ToString().Should().Be("models:/fraud@champion");
        ModelUri.ForStage("fraud", ModelStage.Production).ToString().Should().Be("models:/fraud/Production");
        ModelUri.ForLatest("fraud").ToString().Should().Be("models:/fraud/latest");
        var reserved = () => ModelUri.ForAlias("fraud", "latest");
        reserved.Should().Throw<ReservedAliasException>();
    }
}
