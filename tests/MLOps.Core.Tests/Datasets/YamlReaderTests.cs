using MLOps.Datasets.Yaml;

namespace MLOps.Core.Tests.Datasets;

public sealed class YamlReaderTests
{
    private static YamlMapping Map(string yaml) => YamlReader.Parse(yaml).Should().BeOfType<YamlMapping>().Subject;

    private static string Scalar(YamlNode node) => node.Should().BeOfType<YamlScalar>().Subject.Value;

    private static YamlNode Get(YamlMapping map, string key)
    {
        map.TryGetValue(key, out var value).Should().BeTrue($"key '{key}' should be present");
        return value!;
    }

    [Fact]
    public void Parse_NestedBlockMappings_KeepsKeysInOrderWithLines()
    {
        var root = Map("a: 1\nb:\n  c: two\n  d:\n    e: 'three'\nf: x\n");

        root.Entries.Select(e => e.Key.Value).Should().Equal("a", "b", "f");
        Scalar(Get(root, "a")).Should().Be("1");
        var b = Get(root, "b").Should().BeOfType<YamlMapping>().Subject;
        b.Line.Should().Be(3);
        Scalar(Get(Get(b, "d").Should().BeOfType<YamlMapping>().Subject, "e")).Should().Be("three");
        Get(root, "f").Line.Should().Be(6);
    }

    [Fact]
    public void Parse_SequenceAtKeyIndentation_IsTheKeysValue()
    {
        // DVC (ruamel.yaml) writes lists at the same indentation as their key.
        var root = Map("outs:\n- md5: abc\n  size: 3\n  path: x\n- path: y\nnext: 1\n");

        var outs = Get(root, "outs").Should().BeOfType<YamlSequence>().Subject;
        outs.Items.Should().HaveCount(2);
        var first = outs.Items[0].Should().BeOfType<YamlMapping>().Subject;
        first.Entries.Select(e => e.Key.Value).Should().Equal("md5", "size", "path");
        first.Line.Should().Be(2);
        Scalar(Get(outs.Items[1].Should().BeOfType<YamlMapping>().Subject, "path")).Should().Be("y");
        Scalar(Get(root, "next")).Should().Be("1");
    }

    [Fact]
    public void Parse_IndentedSequenceAndNestedSequences_Parsed()
    {
        var root = Map("outs:\n  - a\n  - - b\n    - c\n  -\n    k: v\n  - \n");

        var outs = Get(root, "outs").Should().BeOfType<YamlSequence>().Subject;
        outs.Items.Should().HaveCount(4);
        Scalar(outs.Items[0]).Should().Be("a");
        outs.Items[1].Should().BeOfType<YamlSequence>().Which.Items.Select(Scalar).Should().Equal("b", "c");
        Scalar(Get(outs.Items[2].Should().BeOfType<YamlMapping>().Subject, "k")).Should().Be("v");
        outs.Items[3].Should().BeOfType<YamlScalar>().Which.IsNull.Should().BeTrue();
    }

    [Fact]
    public void Parse_QuotedScalars_UnescapedPerYamlSpec()
    {
        var root = Map("""
            single: 'it''s # not a comment'
            double: "tab\there \"q\" \\ \u00e9 \x41 \U0001F600"
            'quoted key': "a: b"
            plain: value # a comment
            url: http://example.com/a#b
            """);

        Scalar(Get(root, "single")).Should().Be("it's # not a comment");
        Scalar(Get(root, "double")).Should().Be("tab\there \"q\" \\ é A 😀");
        Scalar(Get(root, "quoted key")).Should().Be("a: b");
        Scalar(Get(root, "plain")).Should().Be("value");
        Scalar(Get(root, "url")).Should().Be("http://example.com/a#b");
    }

    [Fact]
    public void Parse_MultiLineScalars_FoldedToSpaces()
    {
        var root = Map("cmd: python train.py\n  --epochs 3\n  --lr 0.1\nq: \"one\n  two\n\n  three\"\nnext: x\n");

        Scalar(Get(root, "cmd")).Should().Be("python train.py --epochs 3 --lr 0.1");
        Scalar(Get(root, "q")).Should().Be("one two\nthree");
        Scalar(Get(root, "next")).Should().Be("x");
    }

    [Fact]
    public void Parse_BlockScalars_LiteralKeepsLinesFoldedJoins()
    {
        var root = Map("lit: |\n  line 1\n    indented\n  line 3\nfold: >-\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nend: 1\n");

        Scalar(Get(root, "lit")).Should().Be("line 1\n  indented\nline 3\n");
        Scalar(Get(root, "fold")).Should().Be("a b\nc");
        Scalar(Get(root, "keep")).Should().Be("x\n\n");
        Scalar(Get(root, "end")).Should().Be("1");
    }

    [Fact]
    public void Parse_FlowCollections_Parsed()
    {
        var root = Map("empty: []\nnone: {}\nlist: [a, 'b c', \"d\"]\nmap: {x: 1, y: [2, 3]}\n");

        Get(root, "empty").Should().BeOfType<YamlSequence>().Which.Items.Should().BeEmpty();
        Get(root, "none").Should().BeOfType<YamlMapping>().Which.Entries.Should().BeEmpty();
        Get(root, "list").Should().BeOfType<YamlSequence>().Which.Items.Select(Scalar).Should().Equal("a", "b c", "d");
        var map = Get(root, "map").Should().BeOfType<YamlMapping>().Subject;
        Scalar(Get(map, "x")).Should().Be("1");
        Get(map, "y").Should().BeOfType<YamlSequence>().Which.Items.Select(Scalar).Should().Equal("2", "3");
    }

    [Fact]
    public void Parse_CommentsMarkersAndCrLf_Ignored()
    {
        var root = Map("# header\r\n---\r\nkey: v  # trailing\r\n\r\n  # indented comment\r\nother: ~\r\n...\r\n# after\r\n");

        Scalar(Get(root, "key")).Should().Be("v");
        Get(root, "other").Should().BeOfType<YamlScalar>().Which.IsNull.Should().BeTrue();
    }

    [Fact]
    public void Parse_EmptyDocument_ReturnsNull()
    {
        YamlReader.Parse("# only a comment\n\n").Should().BeNull();
    }

    [Theory]
    [InlineData("a: 1\n\tb: 2\n", 2, "tab")]
    [InlineData("a: 1\na: 2\n", 2, "duplicate key 'a'")]
    [InlineData("a:\n  b: 1\n    c: 2\n", 3, "looks like 'key: value'")]
    [InlineData("a:\n  b:\n    c: 1\n   d: 2\n", 4, "unexpected indentation")]
    [InlineData("a: \"open\nb: 2\n", 1, "not closed")]
    [InlineData("a: &anchor 1\n", 1, "anchors")]
    [InlineData("a: *alias\n", 1, "aliases")]
    [InlineData("a: 1\n- b\n", 2, "sequence entry")]
    [InlineData("a: [1, 2\n", 1, "not closed")]
    [InlineData("a: \"bad \\q escape\"\n", 1, "unknown escape")]
    [InlineData("a: 1\n---\nb: 2\n", 2, "second document")]
    [InlineData("a: 'x' y\n", 1, "after the closing quote")]
    [InlineData("? complex\n", 1, "complex keys")]
    public void Parse_InvalidYaml_ThrowsWithLineAndProblem(string yaml, int line, string problem)
    {
        var act = () => YamlReader.Parse(yaml);

        var thrown = act.Should().Throw<YamlSyntaxException>().Which;
        thrown.LineNumber.Should().Be(line);
        thrown.Problem.Should().Contain(problem);
    }
}
