Console.WriteLine("MLOps.Sdk lifecycle sample");
