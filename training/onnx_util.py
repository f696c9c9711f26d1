"""ONNX helpers shared by the export scripts."""
import onnx


def strip_identity(path):
    """Removes Identity nodes, rewiring their consumers to the Identity's input.

    torch 1.13's exporter (opset 11) emits Identity nodes that OpenCV 4.6's importer rejects
    ("Identity ... getMemoryShapes"); see ../shared/DESIGN.md.
    """
    model = onnx.load(path)
    graph = model.graph
    outputs = {o.name for o in graph.output}
    rename = {}
    keep = []
    for node in graph.node:
        if node.op_type == "Identity" and node.output[0] not in outputs:
            rename[node.output[0]] = node.input[0]
        else:
            keep.append(node)
    for node in keep:
        for i, name in enumerate(node.input):
            while name in rename:
                name = rename[name]
            node.input[i] = name
    del graph.node[:]
    graph.node.extend(keep)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return len(rename)
