# A small classifier: TensorDataset + DataLoader, a custom Module, CrossEntropyLoss and Adam.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
n_per_class = 200
centers = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
xs = torch.cat([torch.randn(n_per_class, 2) * 0.7 + c for c in centers])
ys = torch.cat([torch.full((n_per_class,), k, dtype=torch.long) for k in range(3)])

loader = DataLoader(TensorDataset(xs, ys), batch_size=32, shuffle=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(15):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()

model.eval()
with torch.no_grad():
    logits = model(xs)
    final = criterion(logits, ys)
    accuracy = (logits.argmax(dim=1) == ys).float().mean()
print(f"ACCURACY {accuracy.item()}")
print(f"FINAL_LOSS {final.item()}")
