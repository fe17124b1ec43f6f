using System.Globalization;
using System.Text;

namespace MLOps.Datasets.Yaml;

/// <summary>
/// Reads the subset of YAML 1.2 that DVC writes and people hand-edit in <c>.dvc</c> and <c>dvc.lock</c> files:
/// block mappings and sequences (including sequences written at the same indentation as their key), plain,
/// single- and double-quoted scalars (multi-line too), literal and folded block scalars, flow collections
/// (<c>[a, b]</c>, <c>{k: v}</c>), comments, and one document with optional <c>---</c>/<c>...</c> markers.
/// </summary>
/// <remarks>
/// Scalars stay text: the caller types them against its schema. Not supported, and reported with their line:
/// anchors, aliases, tags, complex (<c>?</c>) keys, several documents, tabs used for indentation.
/// </remarks>
internal sealed class YamlReader
{
    private readonly string[] _lines;

    // Column where the content of each line starts. A block sequence entry moves it past its "- " so the entry's
    // own content (a mapping, usually) parses as if it were indented there.
    private readonly int[] _start;
    private int _index;

    private YamlReader(string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        _lines = text.Split('\n');
        _start = new int[_lines.Length];
        for (var i = 0; i < _lines.Length; i++)
        {
            var line = _lines[i];
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
                _lines[i] = line;
            }

            var s = 0;
            while (s < line.Length && line[s] == ' ')
            {
                s++;
            }

            _start[i] = s;
        }
    }

    /// <summary>Parses one YAML document.</summary>
    /// <param name="text">The document text.</param>
    /// <returns>The root node, or <see langword="null"/> for an empty document.</returns>
    /// <exception cref="YamlSyntaxException">The text is not valid in the supported subset.</exception>
    public static YamlNode? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new YamlReader(text).ParseDocument();
    }

    private YamlNode? ParseDocument()
    {
        // Directives and an optional start marker.
        while (_index < _lines.Length)
        {
            var line = _lines[_index];
            if (IsBlankOrComment(_index) || line.StartsWith('%'))
            {
                _index++;
                continue;
            }

            if (IsMarker(_index, "---"))
            {
                if (!IsBlankOrComment(line, 3))
                {
                    throw Syntax(_index, "content on the '---' line is not supported; start the document on the next line");
                }

                _index++;
            }

            break;
        }

        YamlNode? root = null;
        if (SkipToContent())
        {
            root = ParseBlockNode(-1);
            if (SkipToContent())
            {
                throw Syntax(_index, "unexpected content after the end of the document; check its indentation");
            }
        }

        if (_index < _lines.Length)
        {
            if (IsMarker(_index, "---"))
            {
                throw Syntax(_index, "a second document ('---') is not supported; keep one document per file");
            }

            // "..." ends the document: only comments may follow.
            for (var i = _index + 1; i < _lines.Length; i++)
            {
                if (!IsBlankOrComment(i))
                {
                    throw Syntax(i, "content after the document end marker '...'");
                }
            }
        }

        return root;
    }

    private YamlNode ParseBlockNode(int parentIndent)
    {
        var i = _index;
        var col = _start[i];
        if (IsSequenceEntry(_lines[i], col))
        {
            return ParseSequence(col);
        }

        if (TryReadKey(i, col, out _, out _))
        {
            return ParseMapping(col);
        }

        return ParseValue(i, col, parentIndent);
    }

    private YamlMapping ParseMapping(int indent)
    {
        var map = new YamlMapping(_index + 1);
        while (SkipToContent())
        {
            var i = _index;
            var col = _start[i];
            if (col < indent)
            {
                break;
            }

            if (col > indent)
            {
                throw Syntax(i, string.Create(CultureInfo.InvariantCulture, $"unexpected indentation: this line starts at column {col + 1}, but the keys of the mapping above start at column {indent + 1}"));
            }

            if (IsSequenceEntry(_lines[i], col))
            {
                throw Syntax(i, "a sequence entry ('- ') where a 'key: value' line was expected; indent the list under its key");
            }

            if (!TryReadKey(i, col, out var key, out var valueCol))
            {
                throw Syntax(i, "expected a 'key: value' line");
            }

            if (map.ContainsKey(key.Value))
            {
                throw Syntax(i, $"duplicate key '{key.Value}'; each key may appear once in a mapping");
            }

            map.Entries.Add(new KeyValuePair<YamlScalar, YamlNode>(key, ParseMappingValue(i, valueCol, indent)));
        }

        return map;
    }

    private YamlNode ParseMappingValue(int i, int valueCol, int indent)
    {
        var line = _lines[i];
        var p = SkipBlanks(line, valueCol);
        if (p < line.Length && line[p] != '#')
        {
            return ParseValue(i, p, indent);
        }

        // Nothing after the colon: the value is the nested block, a sequence at the same indentation, or null.
        _index = i + 1;
        if (SkipToContent())
        {
            var next = _start[_index];
            if (next > indent)
            {
                return ParseBlockNode(indent);
            }

            if (next == indent && IsSequenceEntry(_lines[_index], next))
            {
                return ParseSequence(indent);
            }
        }

        return new YamlScalar(string.Empty, YamlScalarStyle.Plain, i + 1);
    }

    private YamlSequence ParseSequence(int indent)
    {
        var seq = new YamlSequence(_index + 1);
        while (SkipToContent())
        {
            var i = _index;
            var col = _start[i];
            if (col < indent)
            {
                break;
            }

            if (col > indent)
            {
                throw Syntax(i, string.Create(CultureInfo.InvariantCulture, $"unexpected indentation: this line starts at column {col + 1}, but the entries of the list above start at column {indent + 1}"));
            }

            var line = _lines[i];
            if (!IsSequenceEntry(line, col))
            {
                // The next key of a mapping that wrote this list at its own indentation; the caller checks the rest.
                break;
            }

            var p = SkipBlanks(line, col + 1);
            if (p >= line.Length || line[p] == '#')
            {
                _index = i + 1;
                seq.Items.Add(SkipToContent() && _start[_index] > indent
                    ? ParseBlockNode(indent)
                    : new YamlScalar(string.Empty, YamlScalarStyle.Plain, i + 1));
            }
            else
            {
                _start[i] = p;
                seq.Items.Add(ParseBlockNode(indent));
            }
        }

        return seq;
    }

    private YamlNode ParseValue(int i, int col, int parentIndent)
    {
        var c = _lines[i][col];
        switch (c)
        {
            case '"':
            case '\'':
                {
                    var style = c == '"' ? YamlScalarStyle.DoubleQuoted : YamlScalarStyle.SingleQuoted;
                    var value = ScanQuoted(i, col, allowMultiLine: true, parentIndent, out var endLine, out var endCol)!;
                    if (!IsBlankOrComment(_lines[endLine], endCol))
                    {
                        throw Syntax(endLine, "unexpected text after the closing quote; quote the whole value");
                    }

                    _index = endLine + 1;
                    return new YamlScalar(value, style, i + 1);
                }

            case '[':
            case '{':
                return ParseFlow(i, col);
            case '|':
            case '>':
                return ParseBlockScalar(i, col, parentIndent);
            case '&':
            case '*':
            case '!':
                throw Syntax(i, "anchors (&), aliases (*) and tags (!) are not supported; write the value out in full");
            case '@':
            case '`':
                throw Syntax(i, $"a plain value cannot start with '{c}'; quote the value");
            default:
                return ParsePlain(i, col, parentIndent);
        }
    }

    private YamlScalar ParsePlain(int i, int col, int parentIndent)
    {
        var text = new StringBuilder(StripComment(_lines[i], col));
        _index = i + 1;
        var pendingBreaks = 0;
        while (_index < _lines.Length)
        {
            var line = _lines[_index];
            var s = _start[_index];
            if (IsBlankOrComment(line, s) && !IsCommentLine(line, s))
            {
                pendingBreaks++;
                _index++;
                continue;
            }

            if (s <= parentIndent || line[s] == '#' || IsMarker(_index, "---") || IsMarker(_index, "..."))
            {
                break;
            }

            if (TryReadKey(_index, s, out _, out _))
            {
                throw Syntax(_index, "this line continues the value above but looks like 'key: value'; check the indentation, or quote the value above");
            }

            text.Append(pendingBreaks == 0 ? " " : new string('\n', pendingBreaks));
            text.Append(StripComment(line, s));
            pendingBreaks = 0;
            _index++;
        }

        return new YamlScalar(text.ToString(), YamlScalarStyle.Plain, i + 1);
    }

    private YamlScalar ParseBlockScalar(int i, int col, int parentIndent)
    {
        var line = _lines[i];
        var style = line[col] == '|' ? YamlScalarStyle.Literal : YamlScalarStyle.Folded;
        var chomp = ' ';
        var explicitIndent = 0;
        var p = col + 1;
        for (var k = 0; k < 2 && p < line.Length; k++, p++)
        {
            var h = line[p];
            if (h is '+' or '-' && chomp == ' ')
            {
                chomp = h;
            }
            else if (h is >= '1' and <= '9' && explicitIndent == 0)
            {
                explicitIndent = h - '0';
            }
            else
            {
                break;
            }
        }

        if (!IsBlankOrComment(line, p))
        {
            throw Syntax(i, "unexpected text after the block scalar indicator; start the text on the next line");
        }

        var contentIndent = explicitIndent > 0 ? Math.Max(parentIndent, 0) + explicitIndent : -1;
        var content = new List<string>();
        var li = i + 1;
        for (; li < _lines.Length; li++)
        {
            var l = _lines[li];
            var sp = _start[li];
            if (sp >= l.Length)
            {
                content.Add(string.Empty);
                continue;
            }

            if (contentIndent < 0)
            {
                if (sp <= parentIndent)
                {
                    break;
                }

                contentIndent = sp;
            }

            if (sp < contentIndent)
            {
                break;
            }

            content.Add(l[contentIndent..]);
        }

        _index = li;
        var trailing = 0;
        while (content.Count > 0 && content[^1].Length == 0)
        {
            content.RemoveAt(content.Count - 1);
            trailing++;
        }

        var text = new StringBuilder();
        for (var k = 0; k < content.Count; k++)
        {
            var current = content[k];
            if (k > 0)
            {
                if (style == YamlScalarStyle.Literal || current.Length == 0)
                {
                    text.Append('\n');
                }
                else
                {
                    var j = k - 1;
                    while (content[j].Length == 0)
                    {
                        j--;
                    }

                    var kept = IsMoreIndented(current) || IsMoreIndented(content[j]);
                    if (j == k - 1)
                    {
                        text.Append(kept ? '\n' : ' ');
                    }
                    else if (kept)
                    {
                        text.Append('\n');
                    }
                }
            }

            text.Append(current);
        }

        if (content.Count > 0 && chomp != '-')
        {
            text.Append('\n');
        }

        if (chomp == '+')
        {
            text.Append('\n', trailing);
        }

        return new YamlScalar(text.ToString(), style, i + 1);

        static bool IsMoreIndented(string s) => s.Length > 0 && s[0] is ' ' or '\t';
    }

    private YamlNode ParseFlow(int i, int col)
    {
        var cursor = new FlowCursor(this, i, col);
        var node = cursor.ParseNode();
        if (!IsBlankOrComment(_lines[cursor.Line], cursor.Column))
        {
            throw Syntax(cursor.Line, "unexpected text after the closing bracket");
        }

        _index = cursor.Line + 1;
        return node;
    }

    /// <summary>Reads a quoted scalar that starts at <paramref name="col"/>; null when single-line was asked and the line ends first.</summary>
    private string? ScanQuoted(int i, int col, bool allowMultiLine, int parentIndent, out int endLine, out int endCol)
    {
        var quote = _lines[i][col];
        var text = new StringBuilder();
        var li = i;
        var p = col + 1;
        while (true)
        {
            var line = _lines[li];
            var escapedBreak = false;
            while (p < line.Length)
            {
                var ch = line[p];
                if (quote == '\'')
                {
                    if (ch == '\'')
                    {
                        if (p + 1 < line.Length && line[p + 1] == '\'')
                        {
                            text.Append('\'');
                            p += 2;
                            continue;
                        }

                        endLine = li;
                        endCol = p + 1;
                        return text.ToString();
                    }
                }
                else if (ch == '"')
                {
                    endLine = li;
                    endCol = p + 1;
                    return text.ToString();
                }
                else if (ch == '\\')
                {
                    if (p + 1 >= line.Length)
                    {
                        escapedBreak = true;
                        p++;
                        break;
                    }

                    p = ReadEscape(line, p + 1, text, li);
                    continue;
                }

                text.Append(ch);
                p++;
            }

            if (!allowMultiLine)
            {
                endLine = li;
                endCol = p;
                return null;
            }

            // Line folding: trailing blanks go, one break becomes a space, n blank lines become n newlines.
            if (!escapedBreak)
            {
                while (text.Length > 0 && text[^1] is ' ' or '\t')
                {
                    text.Length--;
                }
            }

            li++;
            var breaks = 0;
            while (li < _lines.Length && IsBlankOrComment(_lines[li], 0) && !IsCommentLine(_lines[li], _start[li]))
            {
                breaks++;
                li++;
            }

            if (li >= _lines.Length)
            {
                throw Syntax(i, $"the quoted value is not closed; add the closing {quote}");
            }

            if (breaks > 0)
            {
                text.Append('\n', breaks);
            }
            else if (!escapedBreak)
            {
                text.Append(' ');
            }

            p = SkipBlanks(_lines[li], 0);
            if (p <= parentIndent)
            {
                throw Syntax(i, $"the quoted value is not closed; add the closing {quote}, or indent its continuation lines more than its key");
            }
        }
    }

    private int ReadEscape(string line, int p, StringBuilder text, int li)
    {
        var e = line[p];
        switch (e)
        {
            case '0': text.Append('\0'); return p + 1;
            case 'a': text.Append('\a'); return p + 1;
            case 'b': text.Append('\b'); return p + 1;
            case 't':
            case '\t': text.Append('\t'); return p + 1;
            case 'n': text.Append('\n'); return p + 1;
            case 'v': text.Append('\v'); return p + 1;
            case 'f': text.Append('\f'); return p + 1;
            case 'r': text.Append('\r'); return p + 1;
            case 'e': text.Append('\u001b'); return p + 1;
            case ' ': text.Append(' '); return p + 1;
            case '"': text.Append('"'); return p + 1;
            case '/': text.Append('/'); return p + 1;
            case '\\': text.Append('\\'); return p + 1;
            case 'N': text.Append('\u0085'); return p + 1;
            case '_': text.Append('\u00a0'); return p + 1;
            case 'L': text.Append('\u2028'); return p + 1;
            case 'P': text.Append('\u2029'); return p + 1;
            case 'x': return ReadHex(2);
            case 'u': return ReadHex(4);
            case 'U': return ReadHex(8);
            default:
                throw Syntax(li, $"unknown escape '\\{e}' in a double-quoted value; write '\\\\' for a backslash");
        }

        int ReadHex(int digits)
        {
            if (p + 1 + digits > line.Length
                || !int.TryParse(line.AsSpan(p + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                || code < 0 || code > 0x10FFFF || (code is >= 0xD800 and <= 0xDFFF && digits == 8))
            {
                throw Syntax(li, $"escape '\\{e}' needs {digits} hexadecimal digits naming a Unicode character");
            }

            if (code is >= 0xD800 and <= 0xDFFF)
            {
                text.Append((char)code);
            }
            else
            {
                text.Append(char.ConvertFromUtf32(code));
            }

            return p + 1 + digits;
        }
    }

    private bool TryReadKey(int i, int col, out YamlScalar key, out int valueCol)
    {
        key = null!;
        valueCol = 0;
        var line = _lines[i];
        var c = line[col];
        if (c is '"' or '\'')
        {
            var text = ScanQuoted(i, col, allowMultiLine: false, -1, out _, out var end);
            if (text is null)
            {
                return false;
            }

            var p = SkipBlanks(line, end);
            if (p < line.Length && line[p] == ':' && (p + 1 == line.Length || line[p + 1] is ' ' or '\t'))
            {
                key = new YamlScalar(text, c == '"' ? YamlScalarStyle.DoubleQuoted : YamlScalarStyle.SingleQuoted, i + 1);
                valueCol = p + 1;
                return true;
            }

            return false;
        }

        if (c == '?' && (col + 1 == line.Length || line[col + 1] == ' '))
        {
            throw Syntax(i, "complex keys ('? ') are not supported; write 'key: value'");
        }

        if (c is '[' or '{' or '|' or '>' or '#' || IsSequenceEntry(line, col))
        {
            return false;
        }

        for (var p = col; p < line.Length; p++)
        {
            var ch = line[p];
            if (ch == '#' && p > col && line[p - 1] is ' ' or '\t')
            {
                return false;
            }

            if (ch == ':' && (p + 1 == line.Length || line[p + 1] is ' ' or '\t'))
            {
                var text = line.AsSpan(col, p - col).TrimEnd(" \t");
                if (text.IsEmpty)
                {
                    return false;
                }

                key = new YamlScalar(text.ToString(), YamlScalarStyle.Plain, i + 1);
                valueCol = p + 1;
                return true;
            }
        }

        return false;
    }

    /// <summary>Moves to the next line with content; false at the end or at a document marker.</summary>
    private bool SkipToContent()
    {
        while (_index < _lines.Length)
        {
            if (IsBlankOrComment(_index))
            {
                _index++;
                continue;
            }

            if (IsMarker(_index, "---") || IsMarker(_index, "..."))
            {
                return false;
            }

            var line = _lines[_index];
            if (line[_start[_index]] == '\t')
            {
                throw Syntax(_index, "a tab is used for indentation; YAML indents with spaces only");
            }

            return true;
        }

        return false;
    }

    private bool IsBlankOrComment(int i) => IsBlankOrComment(_lines[i], _start[i]);

    private bool IsMarker(int i, string marker)
    {
        var line = _lines[i];
        return _start[i] == 0 && line.StartsWith(marker, StringComparison.Ordinal)
            && (line.Length == 3 || line[3] is ' ' or '\t');
    }

    private YamlSyntaxException Syntax(int lineIndex, string problem) =>
        new(Math.Min(lineIndex, _lines.Length - 1) + 1, problem);

    private static bool IsSequenceEntry(string line, int col) =>
        col < line.Length && line[col] == '-' && (col + 1 == line.Length || line[col + 1] is ' ' or '\t');

    private static bool IsBlankOrComment(string line, int from)
    {
        var p = SkipBlanks(line, from);
        return p >= line.Length || line[p] == '#';
    }

    private static bool IsCommentLine(string line, int from)
    {
        var p = SkipBlanks(line, from);
        return p < line.Length && line[p] == '#';
    }

    private static int SkipBlanks(string line, int p)
    {
        while (p < line.Length && line[p] is ' ' or '\t')
        {
            p++;
        }

        return p;
    }

    /// <summary>The text of a plain scalar from <paramref name="from"/>, without a trailing comment or blanks.</summary>
    private static string StripComment(string line, int from)
    {
        var end = line.Length;
        for (var p = from; p < line.Length; p++)
        {
            if (line[p] == '#' && p > from && line[p - 1] is ' ' or '\t')
            {
                end = p;
                break;
            }
        }

        return line.AsSpan(from, end - from).Trim(" \t").ToString();
    }

    /// <summary>Reads a flow collection (<c>[...]</c> or <c>{...}</c>), which may span lines.</summary>
    private sealed class FlowCursor
    {
        private readonly YamlReader _reader;

        public FlowCursor(YamlReader reader, int line, int column)
        {
            _reader = reader;
            Line = line;
            Column = column;
        }

        public int Line { get; private set; }

        public int Column { get; private set; }

        private string Text => _reader._lines[Line];

        private char Current => Column < Text.Length ? Text[Column] : '\n';

        public YamlNode ParseNode()
        {
            SkipSpace();
            var startLine = Line;
            switch (Current)
            {
                case '[':
                    {
                        Column++;
                        var seq = new YamlSequence(startLine + 1);
                        while (true)
                        {
                            SkipSpace();
                            if (Current == ']')
                            {
                                Column++;
                                return seq;
                            }

                            seq.Items.Add(ParseNode());
                            SkipSpace();
                            if (Current == ',')
                            {
                                Column++;
                            }
                            else if (Current != ']')
                            {
                                throw _reader.Syntax(Line, "expected ',' or ']' in the list");
                            }
                        }
                    }

                case '{':
                    {
                        Column++;
                        var map = new YamlMapping(startLine + 1);
                        while (true)
                        {
                            SkipSpace();
                            if (Current == '}')
                            {
                                Column++;
                                return map;
                            }

                            if (ParseNode() is not YamlScalar key)
                            {
                                throw _reader.Syntax(Line, "a key in '{...}' must be a plain or quoted value");
                            }

                            if (map.ContainsKey(key.Value))
                            {
                                throw _reader.Syntax(Line, $"duplicate key '{key.Value}'; each key may appear once in a mapping");
                            }

                            SkipSpace();
                            YamlNode value = new YamlScalar(string.Empty, YamlScalarStyle.Plain, Line + 1);
                            if (Current == ':')
                            {
                                Column++;
                                SkipSpace();
                                if (Current is not (',' or '}'))
                                {
                                    value = ParseNode();
                                }
                            }

                            map.Entries.Add(new KeyValuePair<YamlScalar, YamlNode>(key, value));
                            SkipSpace();
                            if (Current == ',')
                            {
                                Column++;
                            }
                            else if (Current != '}')
                            {
                                throw _reader.Syntax(Line, "expected ',' or '}' in the mapping");
                            }
                        }
                    }

                case '"':
                case '\'':
                    {
                        var quote = Current;
                        var text = _reader.ScanQuoted(Line, Column, allowMultiLine: true, -1, out var endLine, out var endCol)!;
                        Line = endLine;
                        Column = endCol;
                        return new YamlScalar(text, quote == '"' ? YamlScalarStyle.DoubleQuoted : YamlScalarStyle.SingleQuoted, startLine + 1);
                    }

                case '&':
                case '*':
                case '!':
                    throw _reader.Syntax(Line, "anchors (&), aliases (*) and tags (!) are not supported; write the value out in full");
                default:
                    {
                        var begin = Column;
                        while (Column < Text.Length)
                        {
                            var ch = Text[Column];
                            if (ch is ',' or '[' or ']' or '{' or '}'
                                || (ch == ':' && (Column + 1 == Text.Length || Text[Column + 1] is ' ' or ',' or ']' or '}'))
                                || (ch == '#' && Column > begin && Text[Column - 1] == ' '))
                            {
                                break;
                            }

                            Column++;
                        }

                        return new YamlScalar(Text.AsSpan(begin, Column - begin).Trim(" \t").ToString(), YamlScalarStyle.Plain, startLine + 1);
                    }
            }
        }

        private void SkipSpace()
        {
            var opened = Line;
            while (true)
            {
                while (Column < Text.Length && Text[Column] is ' ' or '\t')
                {
                    Column++;
                }

                if (Column < Text.Length && Text[Column] != '#')
                {
                    return;
                }

                Line++;
                Column = 0;
                if (Line >= _reader._lines.Length)
                {
                    throw _reader.Syntax(opened, "the '[' or '{' opened here is not closed");
                }
            }
        }
    }
}
