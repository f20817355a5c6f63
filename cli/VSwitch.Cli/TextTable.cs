using System.Text;

namespace VSwitch.Cli;

/// <summary>A plain text table: a header row and left-aligned columns separated by two spaces.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void WriteTo(TextWriter output, string indent = "")
    {
        int columns = _rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (string[] row in _rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var line = new StringBuilder();
        foreach (string[] row in _rows)
        {
            line.Clear().Append(indent);
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
