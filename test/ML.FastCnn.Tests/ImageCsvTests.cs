using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>fast.ai's CSV layout (<c>ImageDataLoaders.from_csv</c>) read into ML.NET rows, for each task.</summary>
[TestClass]
public sealed class ImageCsvTests
{
    private string _root = null!;

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("fastcnn-csv").FullName;

    [TestCleanup]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    /// <summary>Writes a small PNG at each path (relative to the root).</summary>
    private void Images(params string[] relative)
    {
        foreach (var name in relative)
        {
            var path = Path.Combine(_root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            GeneratedImages.Save(path, 4, 4, MLPixelFormat.Rgba32, new byte[4, 4, 3]);
        }
    }

    /// <summary>Writes labels.csv in the root from lines joined with '\n'.</summary>
    private string Csv(params string[] lines)
    {
        var path = Path.Combine(_root, "labels.csv");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private string Full(string relative) => Path.Combine(_root, relative);

    [TestMethod]
    public void SingleLabelRowsFollowIsValid()
    {
        Images("train/1.png", "train/2.png", "train/3.png", "valid/4.png");
        Csv("fname,label,is_valid", "train/1.png,cat,False", "train/2.png,dog,0", "train/3.png, dog ,false", "valid/4.png,cat,TRUE");

        var data = new MLContext().Data.LoadImageCsv(_root, "labels.csv");

        Assert.AreEqual(ImageTask.SingleLabel, data.Task);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, data.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { Full("train/1.png"), Full("train/2.png"), Full("train/3.png") }, data.Train.GetColumn<string>("ImagePath").ToArray());
        CollectionAssert.AreEqual(new[] { "cat", "dog", "dog" }, data.Train.GetColumn<string>("Label").ToArray(), "labels are trimmed");
        Assert.AreEqual(TextDataViewType.Instance, data.Train.Schema["Label"].Type);
        Assert.AreEqual(Full("valid/4.png"), data.ValidationRows.Single().ImagePath);
        Assert.AreEqual(5, data.ValidationRows.Single().Line);
        Assert.AreEqual(1, data.Validation!.GetColumn<string>("Label").Count());
    }

    [TestMethod]
    public void MultiLabelCellsBecomeTextVectorsThatMapToKeyVectors()
    {
        Images("a.jpg.png", "b.png", "c.png", "d.png");
        Csv("image_name,tags,is_valid", "a.jpg.png,haze primary,0", "b.png,,0", "c.png,clear  primary water,0", "d.png,water,1");

        var ml = new MLContext();
        var data = ml.Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { Task = ImageTask.MultiLabel });

        CollectionAssert.AreEqual(new[] { "clear", "haze", "primary", "water" }, data.ClassNames.ToArray());
        var labelType = (VectorDataViewType)data.Train.Schema["Label"].Type;
        Assert.AreEqual(TextDataViewType.Instance, labelType.ItemType);
        Assert.IsFalse(labelType.IsKnownSize, "a variable-length vector: rows have any number of labels");
        var labels = data.Train.GetColumn<string[]>("Label").ToArray();
        CollectionAssert.AreEqual(new[] { "haze", "primary" }, labels[0]);
        Assert.AreEqual(0, labels[1].Length, "an empty cell: no labels");
        CollectionAssert.AreEqual(new[] { "clear", "primary", "water" }, labels[2], "repeated delimiters make no empty label");

        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train).Transform(data.Train);
        var keyType = (VectorDataViewType)keyed.Schema["Label"].Type;
        Assert.AreEqual(4UL, ((KeyDataViewType)keyType.ItemType).Count);
        var keys = keyed.GetColumn<uint[]>("Label").ToArray();
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, keys[0], "keys in order of first occurrence: haze 1, primary 2, clear 3, water 4");
        Assert.AreEqual(0, keys[1].Length);
        CollectionAssert.AreEqual(new uint[] { 3, 2, 4 }, keys[2]);
    }

    [TestMethod]
    public void RegressionLabelsAreSingles()
    {
        Images("1.png", "2.png", "3.png");
        Csv("file,age", "1.png,3.5", "2.png,-2e1", "3.png,40");

        var data = new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { Task = ImageTask.Regression, ValidationFraction = 0 });

        Assert.AreEqual(NumberDataViewType.Single, data.Train.Schema["Label"].Type);
        CollectionAssert.AreEqual(new[] { 3.5f, -20f, 40f }, data.Train.GetColumn<float>("Label").ToArray());
        Assert.AreEqual(0, data.ClassNames.Count);
        Assert.IsNull(data.Validation);
        Assert.AreEqual(40f, data.TrainRows[2].Value);
    }

    [TestMethod]
    public void RegressionReadsANamedValueColumnAndFollowsIsValid()
    {
        // The command line's layout: `train --labels` reads the numbers of a column named 'value', wherever it is.
        Images("1.png", "2.png", "3.png");
        Csv("fname,is_valid,value,notes", "1.png,0,1.25,a", "2.png,1,7,b", "3.png,false,-0.5,c");

        var data = new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { Task = ImageTask.Regression, LabelColumn = "value" });

        CollectionAssert.AreEqual(new[] { 1.25f, -0.5f }, data.Train.GetColumn<float>("Label").ToArray());
        CollectionAssert.AreEqual(new[] { 7f }, data.Validation!.GetColumn<float>("Label").ToArray());
        Assert.AreEqual(Full("2.png"), data.ValidationRows.Single().ImagePath);
    }

    [TestMethod]
    public void ABadNumberNamesTheFileTheLineAndTheValue()
    {
        Images("1.png", "2.png");
        var csv = Csv("file,age", "1.png,3.5", "", "2.png,\"3,5\"");

        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { Task = ImageTask.Regression }));

        StringAssert.Contains(e.Message, $"Line 4 of CSV file '{csv}'", "the blank line 3 is counted");
        StringAssert.Contains(e.Message, "'3,5' in column 'age'");
        StringAssert.Contains(e.Message, "'.' decimal point");
    }

    [TestMethod]
    public void WithoutAValidColumnASeededFractionIsSetAside()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"{i:D2}.png").ToArray();
        Images(names);
        Csv(["fname,label", .. names.Select((n, i) => $"{n},{(i % 2 == 0 ? "even" : "odd")}")]);

        ImageCsvData Load(int seed) => new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { ValidationFraction = 0.25, Seed = seed });
        var data = Load(1);

        Assert.AreEqual(15, data.TrainRows.Count);
        Assert.AreEqual(5, data.ValidationRows.Count);
        Assert.IsFalse(data.TrainRows.Select(r => r.ImagePath).Intersect(data.ValidationRows.Select(r => r.ImagePath)).Any());
        CollectionAssert.AreEqual(data.ValidationRows.OrderBy(r => r.Line).ToArray(), data.ValidationRows.ToArray(), "the CSV's order is kept");
        CollectionAssert.AreEqual(data.ValidationRows.Select(r => r.ImagePath).ToArray(), Load(1).ValidationRows.Select(r => r.ImagePath).ToArray());
        CollectionAssert.AreNotEqual(data.ValidationRows.Select(r => r.ImagePath).ToArray(), Load(2).ValidationRows.Select(r => r.ImagePath).ToArray());
        Assert.AreEqual(42, new ImageCsvOptions().Seed);
    }

    [TestMethod]
    public void QuotedFieldsMayHoldCommasQuotesAndLineBreaks()
    {
        Images("a, b.png", "say \"hi\".png", "c.png");
        Csv("\"fname\",label", "\"a, b.png\",\"x,y\"", "\"say \"\"hi\"\".png\",z", "c.png,\"two", "lines\"");

        var data = new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { ValidationFraction = 0 });

        CollectionAssert.AreEqual(new[] { Full("a, b.png"), Full("say \"hi\".png"), Full("c.png") }, data.TrainRows.Select(r => r.ImagePath).ToArray());
        CollectionAssert.AreEqual(new[] { "x,y", "z", "two\nlines" }, data.TrainRows.Select(r => r.Labels.Single()).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, data.TrainRows.Select(r => r.Line).ToArray());
    }

    [TestMethod]
    public void ExcelsByteOrderMarkAndWindowsLineEndingsAreRead()
    {
        Images("1.png", "2.png");
        File.WriteAllText(Path.Combine(_root, "labels.csv"), "fname,label\r\n1.png,\"two\r\nlines\"\r\n\r\n2.png,cat\r\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var data = new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { PathColumn = "fname", ValidationFraction = 0 });

        CollectionAssert.AreEqual(new[] { 2, 5 }, data.TrainRows.Select(r => r.Line).ToArray());
        CollectionAssert.AreEqual(new[] { "cat", "two\r\nlines" }, data.ClassNames.ToArray());
    }

    [TestMethod]
    public void AMissingImageNamesTheLineAndThePathOrIsSkipped()
    {
        Images("1.png", "2.png", "3.png");
        var csv = Csv("fname,label", "1.png,cat", "2.png,dog", "gone.png,dog", "3.png,cat");

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => new MLContext().Data.LoadImageCsv(_root, "labels.csv"));
        var skipped = new MLContext().Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { BadFiles = BadImagePolicy.Skip, ValidationFraction = 0 });

        Assert.AreEqual(Full("gone.png"), e.ImagePath);
        StringAssert.Contains(e.Message, $"the file does not exist (line 4 of CSV file '{csv}')");
        StringAssert.Contains(e.Message, "ImageCsvOptions.BadFiles = Skip");
        CollectionAssert.AreEqual(new[] { Full("gone.png") }, skipped.SkippedPaths.ToArray());
        Assert.AreEqual(3, skipped.TrainRows.Count);
    }

    [TestMethod]
    public void ColumnsAreChosenByNameAndAMissingOneIsNamedWithThoseThereAre()
    {
        Images("1.png", "2.png", "3.png");
        Csv("id,label,path,split", "x,cat,1,1", "y,dog,2,0", "z,dog,3,0");

        var ml = new MLContext();
        var data = ml.Data.LoadImageCsv(_root, "labels.csv",
            new ImageCsvOptions { PathColumn = "path", LabelColumn = "label", PathSuffix = ".png", ValidColumn = "split" });
        Assert.AreEqual(Full("1.png"), data.ValidationRows.Single().ImagePath);
        Assert.AreEqual(2, data.TrainRows.Count);

        var missing = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { LabelColumn = "tags" }));
        StringAssert.Contains(missing.Message, "no column 'tags' (its columns: id, label, path, split)");
        StringAssert.Contains(missing.Message, "ImageCsvOptions.LabelColumn");

        var chosenValid = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { PathColumn = "path", PathSuffix = ".png", ValidColumn = "valid" }));
        StringAssert.Contains(chosenValid.Message, "no column 'valid'", "a valid column chosen by name must be there");

        var badFlag = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { PathColumn = "path", PathSuffix = ".png", ValidColumn = "id" }));
        StringAssert.Contains(badFlag.Message, "Line 2");
        StringAssert.Contains(badFlag.Message, "'x' in column 'id'");
    }

    [TestMethod]
    public void MissingFilesAnEmptyCsvAndAutoAreRefusedClearly()
    {
        var ml = new MLContext();
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Data.LoadImageCsv(Path.Combine(_root, "nowhere"), "labels.csv"));
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.LoadImageCsv(_root, "labels.csv")).Message,
            "taken inside the image folder");

        Csv("fname,label");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadImageCsv(_root, "labels.csv")).Message, "has no rows after its header");

        Images("1.png");
        Csv("fname,label", "1.png,cat,extra");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadImageCsv(_root, "labels.csv")).Message,
            "Line 2 of CSV file");

        Csv("fname,label", "1.png,cat");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.LoadImageCsv(_root, "labels.csv", new ImageCsvOptions { Task = ImageTask.Auto }));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadImageCsv(_root, "labels.csv")).Message, "two or more");
    }
}
